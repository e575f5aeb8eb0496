"""Polster's Dagster integration: the public names a project's orchestration code imports.

    medallion_asset(compute)   the Dagster asset of a core module's compute function
                               (the wrappers in orchestration/assets/<layer>/)
    build_definitions()        every asset of the defs folder, checked against the layer
                               rules, with checks, schedules, sensors and the IO manager
    run_polster()              the command line of run_polster.py: materialize, --status,
                               --ui... (returns the exit code)

Imported when first used, so the rest of Polster can use this package's pure modules
without loading Dagster.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Each public name: (the private module that defines it, its name there).
_EXPORTS = {
    "medallion_asset": ("polster.orchestration.asset_factory", "medallion_asset"),
    "build_definitions": ("polster.orchestration.definitions", "build_definitions"),
    "run_polster": ("polster.orchestration.runner", "main"),
}

__all__ = [  # the names of _EXPORTS, written out for linters and IDEs
    "build_definitions",
    "medallion_asset",
    "run_polster",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        msg = f"module 'polster.orchestration' has no attribute {name!r}"
        raise AttributeError(msg)
    module, defined_as = _EXPORTS[name]
    return getattr(import_module(module), defined_as)


if TYPE_CHECKING:
    from polster.orchestration.asset_factory import medallion_asset
    from polster.orchestration.definitions import build_definitions
    from polster.orchestration.runner import main as run_polster
