"""How any error becomes one line: what went wrong, and where it was raised."""

from __future__ import annotations

import re
from pathlib import Path
from traceback import extract_tb

from polster.contract.errors import PolsterError

POLSTER = Path(__file__).resolve().parent.parent  # the polster package's own files
INSTALLED = {"site-packages", "dist-packages", ".venv"}  # libraries, even under the project
INSIDE = "inside Polster"
REPORT = "if the message does not say what to fix, report it with the traceback --verbose shows"


def first_line(message: str) -> str:
    """The first line of an error message: what went wrong (Polars adds its query plan
    on the lines after it, Dagster the class name before it)."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    return re.sub(r"^[\w.]+(Error|Exception|Failure): ", "", lines[0]) if lines else ""


def code_location(
    frames: list[tuple[str, int]], project_root: Path, deliberate: bool = False
) -> str | None:
    """Where an error was raised, from its `frames` (file, line), outermost first.

    `src/x.py:12` when the project's own code raised it; `polster/y.py:3, inside Polster,
    called from src/x.py:12` when Polster's code did, unless `deliberate` (an error Polster
    raises on purpose says what to fix itself); when a library raised it, the innermost
    line of the project's code that led there, if any.
    """
    located = [(Path(name), line) for name, line in frames]
    project = [(path, line) for path, line in located if is_project_code(path, project_root)]
    caller = f"{project[-1][0].relative_to(project_root)}:{project[-1][1]}" if project else None
    if not located:
        return None
    path, line = located[-1]
    if is_polster_code(path) and not deliberate:
        inside = f"{path.resolve().relative_to(POLSTER.parent)}:{line}"
        return f"{inside}, {INSIDE}" + (f", called from {caller}" if caller else "")
    return caller


def raised_on_purpose(class_name: str) -> bool:
    """Whether an error of this class name is one Polster raises to say what to fix: a
    PolsterError, or the Dagster Failure an asset raises with such a message."""
    classes: list[type] = [PolsterError]
    for known in classes:
        classes += known.__subclasses__()
    return class_name in {"Failure", *(known.__name__ for known in classes)}


def describe(error: BaseException, project_root: Path) -> str:
    """Any error in one line: where it was raised, its type, what went wrong."""
    frames = [(frame.filename, frame.lineno or 0) for frame in extract_tb(error.__traceback__)]
    if isinstance(error, SyntaxError) and error.filename:
        frames.append((error.filename, error.lineno or 0))  # the line that does not parse
    message = error.msg if isinstance(error, SyntaxError) else first_line(str(error))
    where = code_location(frames, project_root, isinstance(error, PolsterError))
    described = f"{where + ': ' if where else ''}{type(error).__name__}: {message}"
    return f"{described} ({REPORT})" if is_inside(where) else described


def is_inside(where: str | None) -> bool:
    """Whether a code_location is inside Polster: the user should report it to Polster."""
    return f", {INSIDE}" in (where or "")


def is_project_code(path: Path, project_root: Path) -> bool:
    """Whether `path` is the project's own code (not a library installed under it)."""
    if not path.is_absolute() or not path.is_relative_to(project_root):
        return False
    return not INSTALLED & set(path.relative_to(project_root).parts)


def is_polster_code(path: Path) -> bool:
    """Whether `path` is one of the polster package's own files."""
    return path.is_absolute() and path.resolve().is_relative_to(POLSTER)
