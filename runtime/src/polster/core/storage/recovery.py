"""The journal of writes in progress (`.polster/pending/`), and what recovery may delete
after a killed one: only a file that no version of the table's log references."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import polars as pl
from deltalake import DeltaTable
from deltalake.exceptions import DeltaError

# The temporary name delta-rs (object_store) gives a data file it is still writing on a
# local disk, renamed when the file is complete: one that stays was left by a kill.
PARTIAL_FILE = re.compile(r"\.parquet#\d+$")


def remove_partial_files(folder: Path) -> list[str]:
    """Delete the data files a killed delta-rs write (MERGE, optimize) left half-written in
    a local table's `folder`; returns their paths. No version references such a file, and
    none is being written: the caller holds the table's lock."""
    removed = []
    for path in folder.rglob("*.parquet#*"):
        if PARTIAL_FILE.search(path.name) and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path.as_posix())
    return removed


def write_journal(folder: Path, write_id: str, files: dict[str, str]) -> Path:
    """Record the files (table key -> file URI) a write is about to create, before it
    creates them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{write_id}.json"
    path.write_text(json.dumps({"write_id": write_id, "files": files}))
    return path


def journals(folder: Path) -> Iterator[tuple[Path, str, dict[str, str]]]:
    """(journal, write id, files) of each write that did not finish; unreadable ones skipped."""
    for path in sorted(folder.glob("*.json")):
        try:
            entry = json.loads(path.read_text())
            yield path, entry["write_id"], entry["files"]
        except (OSError, ValueError, KeyError, TypeError):
            continue


def referenced(
    table: DeltaTable | None,
    at_version: Callable[[int], DeltaTable],
    file_uri: str,
    write_id: str,
) -> bool:
    """Whether any version of `table` references the data file of write `write_id`.

    Only that write's commit can have added the file (a restore only brings back files
    an older version had), so the whole log is searched for it, however many commits came
    after; the file is then referenced if that version's files include it (a MERGE, or an
    append that added columns, commits files of its own and leaves the staged one out).
    When in doubt (a version that cannot be read), the file is kept.
    """
    if table is None:
        return False
    name = _name(file_uri)
    if name in _file_names(table):
        return True
    for commit in table.history():
        if commit.get("polster_write") == write_id:
            try:
                return name in _file_names(at_version(commit["version"]))
            except (DeltaError, OSError, KeyError):
                return True
    return False


def _file_names(table: DeltaTable) -> set[str]:
    actions = pl.DataFrame(table.get_add_actions(flatten=True))
    if actions.is_empty():
        return set()
    return {_name(path) for path in actions["path"].to_list()}


def _name(path: str) -> str:
    """A data file's own name (unique: it holds its write's id), from a path or URI."""
    return unquote(path).rsplit("/", 1)[-1]
