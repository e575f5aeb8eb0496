"""How any error becomes one line: what went wrong, and where in the project's own code."""

from __future__ import annotations

import re
from pathlib import Path
from traceback import extract_tb

from polster.contract.layers import layer_of
from polster.contract.layout import ASSETS_DIR, CORE_DIR


def first_line(message: str) -> str:
    """The first line of an error message: what went wrong (Polars adds its query plan
    on the lines after it, Dagster the class name before it)."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    return re.sub(r"^[\w.]+(Error|Exception|Failure): ", "", lines[0]) if lines else ""


def code_location(frames: list[tuple[str, int]], project_root: Path) -> str | None:
    """`src/core/x.py:12`: the innermost of `frames` (file, line) in the project's logic."""
    for filename, line in reversed(frames):
        path = Path(filename)
        if is_asset_code(path, project_root):
            return f"{path.relative_to(project_root)}:{line}"
    return None


def describe(error: BaseException, project_root: Path) -> str:
    """Any error in one line: where in the project's logic, its type, what went wrong."""
    frames = [(frame.filename, frame.lineno or 0) for frame in extract_tb(error.__traceback__)]
    if isinstance(error, SyntaxError) and error.filename:
        frames.append((error.filename, error.lineno or 0))  # the line that does not parse
    message = error.msg if isinstance(error, SyntaxError) else first_line(str(error))
    where = code_location(frames, project_root)
    if isinstance(error, SyntaxError) and error.filename:
        path = Path(error.filename)
        if path.is_absolute() and path.is_relative_to(project_root / "src"):
            # Any file of the project's code that does not parse is the one to fix.
            where = f"{path.relative_to(project_root).as_posix()}:{error.lineno or 0}"
    return f"{where + ': ' if where else ''}{type(error).__name__}: {message}"


def is_asset_code(path: Path, project_root: Path) -> bool:
    """Whether `path` is an asset's own module (its logic or its wrapper), not Polster's."""
    in_core = path.parent == project_root / CORE_DIR and layer_of(path.stem) is not None
    return in_core or path.is_relative_to(project_root / ASSETS_DIR)
