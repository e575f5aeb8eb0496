"""The journal of writes in progress (the lake's `_polster/pending/`), and what recovery may delete
after a killed one: only a file that no version of the table's log references."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
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


def write_journal(
    filesystem: Any, folder: str, write_id: str, lock: str, files: dict[str, str]
) -> str:
    """Record the files (table key -> file URI) a write is about to create, before it
    creates them, in the lake's `folder` (any machine may clean up after a killed write);
    `lock` names the lock the write holds ("<key>" or "<key>/<partition>")."""
    path = f"{folder}/{write_id}.json"
    filesystem.makedirs(folder, exist_ok=True)
    filesystem.pipe_file(
        path, json.dumps({"write_id": write_id, "lock": lock, "files": files}).encode()
    )
    return path


def journals(filesystem: Any, folder: str) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    """(journal, write id, lock, files) of each write that did not finish (or is under way:
    the caller skips those whose lock it does not hold); unreadable ones skipped."""
    filesystem.invalidate_cache(folder)  # another machine's journals: never a cached listing
    try:
        paths = sorted(filesystem.glob(f"{folder}/*.json"))
    except FileNotFoundError:
        return
    for path in paths:
        try:
            entry = json.loads(filesystem.cat_file(path))
            yield path, entry["write_id"], entry["lock"], entry["files"]
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
