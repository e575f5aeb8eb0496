"""`polster history`, `show` and `restore`: look into every version of an asset's table.

Every write is a Delta commit that records the Dagster run (or `standalone`) that
made it, so a table's history says who wrote what, and when. Restoring an older
version is itself a new commit: nothing is ever lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from core.settings import SettingsError
from core.storage import StorageError, TableStore, default_store
from polster.errors import PolsterError
from polster.medallion import REJECTED_SUFFIX
from polster.project import Project


@dataclass(frozen=True)
class Version:
    """One commit of a table."""

    version: int
    written_at: datetime
    operation: str
    written_by: str  # the Dagster run id, "standalone", or "restore of version N"
    rows: int


def table_key(project: Project, reference: str) -> str:
    """The table `reference` names: an asset (key or bare name) or its `__rejected` table."""
    base, rejected, _ = reference.partition(REJECTED_SUFFIX)
    return project.resolve(base) + (REJECTED_SUFFIX if rejected else "")


def open_store() -> TableStore:
    try:
        return default_store()
    except SettingsError as error:
        raise PolsterError(str(error)) from None


def written_by(commit: dict) -> str:
    if "polster_restored_version" in commit:
        return f"restore of version {commit['polster_restored_version']}"
    return commit.get("dagster_run_id") or commit.get("polster_run") or "-"


def history(store: TableStore, key: str, limit: int) -> list[Version]:
    """The newest `limit` versions of the table, newest first."""
    try:
        commits = store.history(key, limit)
        versions = []
        for commit in commits:
            metrics = commit.get("operationMetrics", {})
            rows = metrics.get("num_added_rows")
            if commit.get("operation") != "WRITE" or rows is None:
                rows = count_rows(store, key, commit["version"])
            versions.append(
                Version(
                    version=commit["version"],
                    written_at=datetime.fromtimestamp(commit["timestamp"] / 1000),
                    operation=commit.get("operation", "-"),
                    written_by=written_by(commit),
                    rows=rows,
                )
            )
    except StorageError as error:
        raise PolsterError(str(error)) from None
    return versions


def count_rows(store: TableStore, key: str, version: int) -> int:
    return store.read(key, version).select(pl.len()).collect().item()


def format_history(key: str, versions: list[Version]) -> str:
    lines = [f"{key}: {len(versions)} version(s), newest first", ""]
    lines.append(f"{'version':>7}  {'written at':<19}  {'operation':<9}  {'rows':>12}  written by")
    lines += [
        f"{entry.version:>7}  {entry.written_at:%Y-%m-%d %H:%M:%S}  {entry.operation:<9}  "
        f"{entry.rows:>12,}  {entry.written_by}"
        for entry in versions
    ]
    return "\n".join(lines)


def preview(store: TableStore, key: str, version: int | None, limit: int) -> str:
    """The first `limit` rows of a version of the table (the latest by default)."""
    if limit < 1:
        msg = f"--limit {limit}: show at least one row"
        raise PolsterError(msg)
    try:
        table = store.read(key, version)
        rows = table.select(pl.len()).collect().item()
        head = table.head(limit).collect()
    except StorageError as error:
        raise PolsterError(str(error)) from None
    which = f"version {version}" if version is not None else "latest version"
    with pl.Config(tbl_rows=limit, tbl_cols=-1, fmt_str_lengths=40, tbl_width_chars=160):
        return f"{key} ({which}): {rows:,} rows, showing {head.height}\n{head}"


def restore(store: TableStore, key: str, version: int) -> int:
    """Restore `version` of the table as a new version; returns the new version number."""
    try:
        return store.restore(key, version)
    except StorageError as error:
        raise PolsterError(str(error)) from None
