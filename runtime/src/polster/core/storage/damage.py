"""What is wrong with a local table that delta-rs cannot read: a commit file of its log
that is empty or not JSON (a power loss, a disk error, a hand in the folder), a data file
that is gone. Each is described in one line: the file, what happened, what to do."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote

from deltalake import DeltaTable


def empty_last_commit(table: Path) -> str | None:
    """The newest commit of a local table's log, if it is empty: what a power loss can
    leave of a commit that never finished (delta-rs would take it for an empty version)."""
    newest = newest_commit(table / "_delta_log")
    if newest is not None and newest.stat().st_size == 0:
        return _damaged(newest, "is empty (0 bytes: a commit a power loss cut short)")
    return None


def newest_commit(log: Path) -> Path | None:
    """The commit file of a log's latest version. Its name is the version in 20 digits, so
    the largest name is the newest: one pass over the names (every open of a table asks,
    and sorting a long log's paths cost a write tens of milliseconds)."""
    try:
        with os.scandir(log) as entries:
            names = [e.name for e in entries if e.name.endswith(".json") and e.name[:-5].isdigit()]
    except (FileNotFoundError, NotADirectoryError):  # no log (yet), or a file on its way
        return None
    return log / max(names) if names else None


def damaged_commit(table: Path) -> str | None:
    """The first commit of a local table's log that is empty or not valid JSON, described;
    None when every commit reads (the damage is elsewhere)."""
    for commit in sorted((table / "_delta_log").glob("*.json")):
        try:
            text = commit.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return _damaged(commit, "cannot be read")
        if not text.strip():
            return _damaged(commit, "is empty (0 bytes: a commit a power loss cut short)")
        for number, line in enumerate(text.splitlines(), 1):
            try:
                if line.strip():
                    json.loads(line)
            except ValueError:
                return _damaged(
                    commit, f"line {number} is not valid JSON (cut short or overwritten)"
                )
    return None


def missing_files(table: DeltaTable) -> list[str]:
    """The data files a local table's version lists that are not on disk."""
    return [uri for uri in map(unquote, table.file_uris()) if not Path(uri).exists()]


def _damaged(commit: Path, what: str) -> str:
    version = int(commit.stem)
    back = (
        f"version {version - 1} is then current again (versions 0 to {version - 1} are intact)"
        if version
        else "the table then has no version: materialize it again"
    )
    return (
        f"the Delta log of {commit.parent.parent} is damaged: {commit.name} (version "
        f"{version}) {what}. Move it, and any later commit, out of {commit.parent} (keep a "
        f"copy): {back}; nothing was changed"
    )
