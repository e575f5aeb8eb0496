"""All-or-nothing file changes: a command either makes every change or none."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from polster.contract.errors import PolsterError


def create_files(files: Mapping[Path, str | bytes]) -> None:
    """Create every file with its text (or bytes), or none of them; never overwrite one."""
    existing = [str(path) for path in files if path.exists()]
    if existing:
        msg = f"{', '.join(existing)} already exist(s): nothing was written"
        raise PolsterError(msg)
    staged: list[tuple[Path, Path]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_write_temporary(path, text), path))
        for done, (temporary, path) in enumerate(staged):
            try:
                os.replace(temporary, path)
            except OSError:
                for _, created in staged[:done]:
                    created.unlink(missing_ok=True)
                raise
    except OSError as error:
        msg = (
            f"could not write {error.filename or 'a file'} ({error.strerror}): nothing was written"
        )
        raise PolsterError(msg) from error
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


def replace_file(path: Path, text: str) -> None:
    """Replace the content of `path` in one step (a reader sees the old or the new text)."""
    temporary = _write_temporary(path, text)
    try:
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def remove_files(paths: Iterable[Path], root: Path) -> None:
    """Delete every file, or none of them: each is first moved aside, then all are dropped."""
    trash = Path(tempfile.mkdtemp(prefix=".polster-trash-", dir=root))
    moved: list[tuple[Path, Path]] = []
    try:
        for index, path in enumerate(paths):
            aside = trash / f"{index}-{path.name}"
            os.replace(path, aside)
            moved.append((aside, path))
    except OSError as error:
        for aside, path in reversed(moved):
            os.replace(aside, path)
        msg = f"could not remove {error.filename} ({error.strerror}): nothing was removed"
        raise PolsterError(msg) from error
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _write_temporary(path: Path, text: str | bytes) -> Path:
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    if isinstance(text, bytes):
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(text)
    else:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    return Path(name)
