"""What Polster records in, and reads from, a table's Delta log: the metadata of its
commits, and which commits wrote rows."""

from __future__ import annotations

from typing import Any

from deltalake import DeltaTable

from polster.core.storage.outcomes import StorageError

RECENT_COMMITS = 20  # how far back a write looks for the commits of interrupted writes
# Commits that rewrite or delete files without changing the rows (polster optimize, vacuum).
MAINTENANCE_OPERATIONS = frozenset({"OPTIMIZE", "VACUUM START", "VACUUM END"})


def is_maintenance(commit: dict[str, Any]) -> bool:
    """Whether a commit only rewrote or deleted files (optimize, vacuum): same rows."""
    return commit.get("operation") in MAINTENANCE_OPERATIONS


def row_writes(table: DeltaTable, limit: int | None) -> list[dict[str, Any]]:
    """The newest commits among the last `limit` (None: all) that wrote rows, newest first."""
    return [commit for commit in table.history(limit) if not is_maintenance(commit)]


def last_write(table: DeltaTable) -> dict[str, Any]:
    """The newest commit that wrote rows (the latest one when there is none): among the
    recent commits, else in the whole log (more than RECENT_COMMITS optimize or vacuum
    commits since)."""
    writes = row_writes(table, RECENT_COMMITS) or row_writes(table, None)
    return next(iter(writes), None) or table.history(1)[0]


def unit_at(writes: list[dict[str, Any]], version: int) -> str | None:
    """The write unit (kept and rejected rows of one write) of a table at `version`, from
    its commits that wrote rows (row_writes, newest first): that of the newest one up to
    `version`; None when it records none."""
    return next((c.get("polster_unit") for c in writes if c["version"] <= version), None)


def unit_versions(writes: list[dict[str, Any]]) -> dict[str, int]:
    """The newest version each write unit wrote (or restored), from a table's commits that
    wrote rows (row_writes, newest first)."""
    versions: dict[str, int] = {}
    for commit in writes:
        if commit.get("polster_unit"):
            versions.setdefault(commit["polster_unit"], commit["version"])
    return versions


def version_written(table: DeltaTable, write_id: str) -> int:
    """The version write `write_id` committed (others may have committed after it)."""
    for limit in (RECENT_COMMITS, None):
        for commit in table.history(limit):
            if commit.get("polster_write") == write_id:
                return commit["version"]
    return table.version()  # not reached: the caller committed it


def maintenance_metadata(key: str, operation: str, environment: str) -> dict[str, str]:
    return {"polster_asset": key, "polster_maintenance": operation, "polster_env": environment}


def blob_path_of(uri: str) -> str:
    """`container/path` of an abfss://container@account.dfs.core.windows.net/path URI."""
    container, _, rest = uri.removeprefix("abfss://").partition("@")
    return f"{container}/{rest.partition('/')[2]}"


def commit_metadata(key: str, run_id: str | None) -> dict[str, str]:
    if run_id:
        return {"polster_asset": key, "dagster_run_id": run_id}
    return {"polster_asset": key, "polster_run": "standalone"}


def check_restorable(key: str, version: int, newest: int) -> None:
    """A restore brings back an older version than the newest: else one line saying which."""
    if newest == 0:
        msg = f"{key} has a single version (0): there is no older one to restore"
        raise StorageError(msg)
    if not 0 <= version < newest:
        older = f"one of 0 to {newest - 1}" if newest > 1 else "0"
        msg = f"{key} is at version {newest}: restore an older one ({older})"
        raise StorageError(msg)
