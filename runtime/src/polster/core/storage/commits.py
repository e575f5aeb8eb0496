"""What Polster records in, and reads from, a table's Delta log: the metadata of its
commits, and which commits wrote rows."""

from __future__ import annotations

from typing import Any

from deltalake import DeltaTable

RECENT_COMMITS = 20  # how far back a write looks for the commits of interrupted writes
# Commits that rewrite or delete files without changing the rows (polster optimize, vacuum).
MAINTENANCE_OPERATIONS = frozenset({"OPTIMIZE", "VACUUM START", "VACUUM END"})


def is_maintenance(commit: dict[str, Any]) -> bool:
    """Whether a commit only rewrote or deleted files (optimize, vacuum): same rows."""
    return commit.get("operation") in MAINTENANCE_OPERATIONS


def row_writes(table: DeltaTable, limit: int) -> list[dict[str, Any]]:
    """The newest commits among the last `limit` that wrote rows, newest first."""
    return [commit for commit in table.history(limit) if not is_maintenance(commit)]


def last_write(table: DeltaTable) -> dict[str, Any]:
    """The newest commit that wrote rows (the latest one if maintenance hid them all)."""
    return next(iter(row_writes(table, RECENT_COMMITS)), None) or table.history(1)[0]


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
