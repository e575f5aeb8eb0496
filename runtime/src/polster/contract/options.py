"""How a message names an option: the way the user typed the command it answers.

The project's Makefile exports POLSTER_VIA_MAKE=1, so a hint under `make vacuum ...` reads
`FORCE=1`, and under `polster vacuum ...` (or `python -m polster`) it reads `--force`. Every
message that tells the user which option to add names it through `option()`.
"""

from __future__ import annotations

import os

VIA_MAKE = "POLSTER_VIA_MAKE"
# Make variables whose name is not the flag's (--dependencies is DEPS=...).
MAKE_NAMES = {"--dependencies": "DEPS"}


def via_make() -> bool:
    """Whether the running command was started by a target of the project's Makefile."""
    return os.environ.get(VIA_MAKE) == "1"


def option(flag: str, value: str | None = None) -> str:
    """`flag` (with `value`) as the user passes it: `--name x` for polster, `NAME=x` for make.

    A flag without a value is a switch (`--force`, `FORCE=1`); `value=""` leaves the value
    for the user to fill in (`--name`, `NAME=`).
    """
    if not via_make():
        return flag if not value else f"{flag} {value}"
    name = MAKE_NAMES.get(flag, flag.removeprefix("--").replace("-", "_").upper())
    if value is None:
        return f"{name}=1"
    return f'{name}="{value}"' if " " in value else f"{name}={value}"
