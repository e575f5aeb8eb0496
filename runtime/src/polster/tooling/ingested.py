"""`polster ingested`: which landed files a bronze table holds, and which version took each."""

from __future__ import annotations

import json

from polster.contract.errors import PolsterError
from polster.core.landing import SOURCE_FILE, ingested_summary
from polster.core.storage import StorageError, TableStore


def versions_of_files(store: TableStore, key: str) -> dict[tuple[str, int], int]:
    """(path, size) -> the version that ingested it, from the commits' metadata."""
    versions: dict[tuple[str, int], int] = {}
    for commit in reversed(store.history(key)):  # oldest first: the newest ingest wins
        for file in json.loads(commit.get("polster_ingested_files") or "[]"):
            versions[(file["path"], file["size"])] = commit["version"]
    return versions


def ingested(store: TableStore, key: str) -> str:
    """A table of the files in the latest version of `key`, oldest ingestion first."""
    try:
        table = store.read(key)
        if SOURCE_FILE not in table.collect_schema().names():
            msg = f"{key} does not read a landing folder: it has no {SOURCE_FILE} column"
            raise PolsterError(msg)
        summary = ingested_summary(table)
        versions = versions_of_files(store, key)
    except StorageError as error:
        raise PolsterError(str(error)) from None
    lines = [f"{key}: {summary.height} file(s) ingested", ""]
    lines.append(f"{'version':>7}  {'ingested at':<19}  {'rows':>10}  {'bytes':>12}  file")
    for row in summary.sort("ingested_at", "file").iter_rows(named=True):
        version = versions.get((row["file"], row["bytes"]), "-")
        lines.append(
            f"{version:>7}  {row['ingested_at']:%Y-%m-%d %H:%M:%S}  {row['rows']:>10,}  "
            f"{row['bytes']:>12,}  {row['file']}"
        )
    return "\n".join(lines)
