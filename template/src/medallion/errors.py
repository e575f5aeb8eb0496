"""The one error type for problems a user can fix, and how any error becomes one line."""

from __future__ import annotations

import re
from pathlib import Path


class PolsterError(Exception):
    """Something the user can fix: shown as one line (what, where, how to fix), exit code 1.

    Every part of the project raises a subclass of it for bad settings, bad declarations,
    broken layer rules or unusable storage, so that every entry point (run_polster.py, the
    polster commands, a standalone core module) reports it the same way.
    """


def first_line(message: str) -> str:
    """The first line of an error message: what went wrong (Polars adds its query plan
    on the lines after it, Dagster the class name before it)."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    return re.sub(r"^[\w.]+(Error|Exception|Failure): ", "", lines[0]) if lines else ""


# Where the project's own logic lives, relative to its root: the lines worth naming.
USER_CODE = (Path("src") / "core", Path("src") / "orchestration" / "assets")


def code_location(frames: list[tuple[str, int]], project_root: Path) -> str | None:
    """`src/core/x.py:12`: the innermost of `frames` (file, line) in the project's logic."""
    for filename, line in reversed(frames):
        path = Path(filename)
        if any(path.is_relative_to(project_root / folder) for folder in USER_CODE):
            return f"{path.relative_to(project_root)}:{line}"
    return None
