"""`polster history`, `show` and `restore`: look into every version of an asset's table.

Every write is a Delta commit that records the Dagster run (or `standalone`) that
made it, so a table's history says who wrote what, and when. Restoring an older
version is itself a new commit: nothing is lost, until `polster vacuum` deletes the files
of versions replaced before its retention period (polster.core.maintenance).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from polster.contract.errors import PolsterError
from polster.contract.layers import REJECTED_SUFFIX
from polster.contract.quality import rejected_key
from polster.core.storage import StorageError, TableStore, default_store
from polster.orchestration.text_table import text_table
from polster.tooling.project import Project


@dataclass(frozen=True)
class Version:
    """One commit of a table."""

    version: int
    written_at: datetime
    operation: str
    written_by: str  # the Dagster run id, "standalone", or "restore of version N"
    rows: int
    partition: str | None = None  # the partition it wrote, for a partitioned table


def table_key(project: Project, reference: str) -> str:
    """The table `reference` names: an asset (key or bare name) or its `__rejected` table."""
    base, rejected, _ = reference.partition(REJECTED_SUFFIX)
    return project.resolve(base) + (REJECTED_SUFFIX if rejected else "")


def written_by(commit: dict) -> str:
    if "polster_maintenance" in commit:
        return f"polster {commit['polster_maintenance']}"
    if "polster_restored_version" in commit:
        return f"restore of version {commit['polster_restored_version']}"
    return commit.get("dagster_run_id") or commit.get("polster_run") or "-"


def history(store: TableStore, key: str, limit: int) -> list[Version]:
    """The newest `limit` versions of the table, newest first."""
    commits = store.history(key, limit)
    versions = []
    for commit in commits:
        rows = commit.get("polster_rows")  # recorded by every Polster write
        if rows is None or "polster_restored_version" in commit:
            rows = count_rows(store, key, commit["version"])
        versions.append(
            Version(
                version=commit["version"],
                written_at=datetime.fromtimestamp(commit["timestamp"] / 1000),
                operation=commit.get("operation", "-"),
                written_by=written_by(commit),
                rows=int(rows),
                partition=commit.get("polster_partition"),
            )
        )
    return versions


def count_rows(store: TableStore, key: str, version: int) -> int:
    return store.read(key, version).select(pl.len()).collect().item()


def format_history(key: str, versions: list[Version]) -> str:
    """The versions as a table; with a partition column when some wrote a partition."""
    partitioned = any(entry.partition for entry in versions)
    rows = [
        (
            str(entry.version),
            f"{entry.written_at:%Y-%m-%d %H:%M:%S}",
            entry.operation,
            *([entry.partition or "-"] if partitioned else []),
            f"{entry.rows:,}",
            entry.written_by,
        )
        for entry in versions
    ]
    headers = ("version", "written at", "operation", *(["partition"] if partitioned else []))
    headers += ("rows", "written by")
    table = text_table(headers, rows, right={0, 4 if partitioned else 3})
    return f"{key}: {len(versions)} version(s), newest first\n\n{table}"


def preview(store: TableStore, key: str, version: int | None, limit: int) -> str:
    """The first `limit` rows of a version of the table (the latest by default)."""
    if limit < 1:
        msg = f"--limit {limit}: show at least one row"
        raise PolsterError(msg)
    table = store.read(key, version)
    try:
        rows = table.select(pl.len()).collect().item()
        head = table.head(limit).collect()
    except FileNotFoundError:
        read, missing = store.missing_files(key, version)
        gone = ", ".join(Path(uri).name for uri in missing) or "a data file"
        msg = (
            f"{key} version {read} can no longer be read: {gone} is missing from "
            f"{store.uri(key)} (deleted by hand, or by polster vacuum for an old version). "
            f"polster restore {key} --version N to the newest version whose files are there "
            f"(see polster history {key})"
        )
        raise StorageError(msg) from None
    which = f"version {version}" if version is not None else "latest version"
    with pl.Config(tbl_rows=limit, tbl_cols=-1, fmt_str_lengths=40, tbl_width_chars=160):
        return f"{key} ({which}): {rows:,} rows, showing {head.height}\n{head}"


def restore(store: TableStore, key: str, version: int) -> str:
    """Restore `version` of the table as a new version (with its rejected rows, if it has
    a quarantine table); returns what was restored, in words."""
    new_version = store.restore(key, version)
    done = f"Restored {key}: version {new_version} has the content of version {version}"
    if store.exists(rejected_key(key)):
        done += f", and {rejected_key(key)} the rejected rows that go with it"
    return done + "."


def maintained(store: TableStore, key: str) -> list[str]:
    """The tables `polster optimize|vacuum` works on: an asset's table and its quarantine
    table (if it has one); a `<key>__rejected` reference alone."""
    if key.endswith(REJECTED_SUFFIX):
        return [key]
    return [key, *([rejected_key(key)] if store.exists(rejected_key(key)) else [])]


def purge(keys: Sequence[str]) -> Iterator[str]:
    """Delete the tables of `keys` with their quarantined rows; yields each deleted table."""
    store = default_store()
    for table in [table for key in keys for table in (key, rejected_key(key))]:
        try:
            deleted = store.delete(table)
        except (StorageError, OSError) as error:
            msg = f"the files are removed, but the table {table} could not be deleted: {error}"
            raise StorageError(msg) from error
        if deleted:
            yield store.uri(table)
