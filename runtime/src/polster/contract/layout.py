"""Where each file of an asset lives, relative to the project root: one home for the layout.

An asset `<layer>_<name>` has its logic in `src/core/<layer>_<name>.py`, its Dagster
wrapper in `src/orchestration/assets/<layer>/run_<layer>_<name>.py` and, optionally, its
own tests in `tests/assets/test_<layer>_<name>.py`.
"""

from __future__ import annotations

from pathlib import Path

from polster.contract.layers import split_key

CORE_DIR = Path("src") / "core"
ASSETS_DIR = Path("src") / "orchestration" / "assets"  # Dagster's defs folder ([tool.dg])
# Tests of single assets are yours; the other files in tests/ come with Polster.
ASSET_TESTS_DIR = Path("tests") / "assets"
WRAPPER_PREFIX = "run_"
NO_ASSETS_YET = (
    "No assets yet: add one with `make add-asset LAYER=bronze NAME=...` (see README.md)."
)


def core_module_path(key: str) -> Path:
    """Where the logic of `key` lives."""
    return CORE_DIR / f"{key}.py"


def wrapper_path(key: str) -> Path:
    """Where the Dagster wrapper of `key` lives."""
    return ASSETS_DIR / split_key(key)[0] / f"{WRAPPER_PREFIX}{key}.py"


def tests_path(key: str) -> Path:
    """Where the asset's own tests live (removed together with the asset)."""
    return ASSET_TESTS_DIR / f"test_{key}.py"


def wrapper_pattern(layer: str) -> str:
    """The glob pattern of the wrappers of one layer's folder."""
    return f"{WRAPPER_PREFIX}{layer}_*.py"


def key_of_wrapper(path: Path) -> str:
    """The asset key a wrapper file declares by its name."""
    return path.stem.removeprefix(WRAPPER_PREFIX)
