"""Where the project lives on disk: every relative path resolves against its root.

The runtime is installed once per environment, so the project is never found from where
this file is. The root is, in order: `POLSTER_PROJECT_ROOT`; the nearest folder above the
script that was started (`python src/core/x.py`, `run_polster.py`, `.venv/bin/dagster`)
whose `pyproject.toml` has a `[tool.polster]` table; the same search from the working
directory (`dg dev` runs in `src/`, a notebook anywhere inside the project).
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

from polster.contract.errors import PolsterError

ROOT_VARIABLE = "POLSTER_PROJECT_ROOT"
CONFIG_FILE = "pyproject.toml"
CONFIG_TABLE = "[tool.polster]"
CONFIG_LINE = re.compile(r"^\[tool\.polster\]\s*$", re.MULTILINE)  # the table's header line
# Polster's own bookkeeping (table locks, writes in progress); git-ignored.


class ProjectNotFoundError(PolsterError, FileNotFoundError):
    """No folder above the script or the working directory is a Polster project."""


def is_project(folder: Path) -> bool:
    """Whether `folder` holds a pyproject.toml with a [tool.polster] table."""
    config = folder / CONFIG_FILE
    try:
        return CONFIG_LINE.search(config.read_text(encoding="utf-8")) is not None
    except (OSError, UnicodeDecodeError):
        return False


def find_root(start: Path) -> Path | None:
    """The nearest Polster project at or above `start`, or None."""
    start = start.resolve()
    return next((folder for folder in (start, *start.parents) if is_project(folder)), None)


def _script_folder() -> Path | None:
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv else "")
    return Path(script).resolve().parent if script else None


# The root a tool or test chose with use_project_root (it wins over every other way).
_chosen: list[Path] = []


@cache
def project_root() -> Path:
    """The root of the project this process works on (see the module's docstring)."""
    if _chosen:
        return _importable(_chosen[0])
    configured = os.environ.get(ROOT_VARIABLE, "").strip()
    if configured:
        root = Path(configured).expanduser().resolve()
        if not is_project(root):
            msg = (
                f"{ROOT_VARIABLE}={configured} is not a Polster project (no {CONFIG_TABLE} in "
                f"its {CONFIG_FILE}): point it at the project's folder, or unset it"
            )
            raise ProjectNotFoundError(msg)
        return _importable(root)
    for start in (_script_folder(), Path.cwd()):
        root = find_root(start) if start is not None else None
        if root is not None:
            return _importable(root)
    msg = (
        f"no Polster project here: {Path.cwd()} and the folders above it have no "
        f"{CONFIG_FILE} with {CONFIG_TABLE}. Run this from the project's folder "
        f"(cd my_pipeline), or set {ROOT_VARIABLE}"
    )
    raise ProjectNotFoundError(msg)


def _importable(root: Path) -> Path:
    """`root`, with its src/ importable (the asset modules `core.*`, the defs folder)
    also where the project is not installed in the environment."""
    source = str(root / "src")
    if source not in sys.path:
        sys.path.append(source)
    return root


def project_config(root: Path | None = None) -> dict[str, object]:
    """The project's [tool.polster] table: the answers given when it was created."""
    config = (root or project_root()) / CONFIG_FILE
    with config.open("rb") as file:
        return tomllib.load(file).get("tool", {}).get("polster", {})


def data_dir() -> Path:
    """The default folder of the local tables: data/ under the project."""
    return project_root() / "data"


def env_file() -> Path:
    return project_root() / ".env"


def resolve(path: str | Path) -> Path:
    """`path` as an absolute path: a relative one is taken from the project root."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else project_root() / path


def use_project_root(root: Path | None) -> None:
    """Work on the project at `root` from now on, in this process only (None: find it
    again); for tests and tools."""
    project_root.cache_clear()
    _chosen[:] = [root.resolve()] if root is not None else []
