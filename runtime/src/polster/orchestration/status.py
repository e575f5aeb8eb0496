"""What `run_polster.py --status` prints, in well under a second: Dagster is not imported.

Each asset's line comes from its table's own Delta log: when its current version was
written, by which run, with how many rows (the row counts the commit recorded; no data is
read). The last run's line comes from Dagster's run database, read directly when it is
the local SQLite one. That shortcut is only taken when it gives what Dagster would:
`quick_status` returns False, and the runner asks Dagster itself, when the database is
elsewhere (PostgreSQL), when a run is still marked as started (its process may have
died: Dagster's path marks it failed), when the defs folder holds assets that are not
medallion wrappers (only Dagster knows their keys) or when an asset is partitioned (only
Dagster knows which partitions failed).

A partitioned asset's line also counts its partitions, from the first to the newest
complete one: materialized (in its table), missing, and failed (their last run failed).
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from polster.contract.layers import LAYERS, by_layer
from polster.contract.layout import ASSETS_DIR, NO_ASSETS_YET, key_of_wrapper, wrapper_pattern
from polster.contract.partitions import Partitioning, last_complete
from polster.core.paths import project_root
from polster.core.storage import StorageError, TableStore, default_store
from polster.orchestration.text_table import text_table

HEADERS = ["asset", "last materialized", "rows", "run"]
# A dead process may have left them so (NOT_STARTED: killed before its run started).
UNFINISHED = ("NOT_STARTED", "STARTED", "STARTING")


def quick_status(dagster_home: Path) -> bool:
    """Print the status without Dagster if that gives the same answer; False if it cannot."""
    keys = wrapper_keys(project_root() / ASSETS_DIR)
    last = last_run_line(dagster_home / "history" / "runs.db")
    if keys is None or last is None or any(map(is_partitioned, keys)):
        return False
    print_asset_lines(keys)
    if last:
        print(last)
    return True


def is_partitioned(key: str) -> bool:
    """Whether its core module declares PARTITIONS, read without Dagster (False if it does
    not import: the definitions will say why)."""
    try:
        module = importlib.import_module(f"core.{key}")
    except Exception:
        return False
    return getattr(module, "PARTITIONS", None) is not None


def print_asset_lines(
    keys: Sequence[str],
    store: TableStore | None = None,
    partitionings: Mapping[str, Partitioning] | None = None,
    failed: Mapping[str, set[str]] | None = None,
    today: date | None = None,
) -> None:
    """One line per asset: its table's current version, from the Delta log; for the
    `partitionings` ones, their partitions too (the `failed` ones by key, when known)."""
    if not keys:
        print(NO_ASSETS_YET)
        return
    store = store or default_store()
    partitionings = partitionings or {}
    today = today or datetime.now(UTC).date()
    rows = [asset_line(store, key) for key in keys]
    headers = HEADERS
    if partitionings:
        headers = [*HEADERS, "partitions"]
        for key, row in zip(keys, rows, strict=True):
            partitioning = partitionings.get(key)
            row.append(
                partitions_text(store, key, partitioning, (failed or {}).get(key, set()), today)
                if partitioning
                else "-"
            )
    print(f"Environment {store.environment}: tables in {store.root}")
    print(text_table(headers, rows, right={2}))
    for key in keys:  # a table that cannot be read: why, in one line each
        problem = unreadable(store, key)
        if problem:
            print(f"warning: {problem}", file=sys.stderr)


def partitions_text(
    store: TableStore, key: str, partitioning: Partitioning, failed: set[str], today: date
) -> str:
    """`12 of 31 materialized, 19 missing (1 failed: 2024-01-05)`, from the first partition
    to the newest complete one."""
    expected = partitioning.keys(partitioning.start, last_complete(partitioning.cadence, today))
    try:
        written = store.partitions(key)
    except StorageError:
        written = set()
    materialized = [day for day in expected if day in written]
    missing = [day.isoformat() for day in expected if day not in written]
    text = f"{len(materialized)} of {len(expected)} materialized, {len(missing)} missing"
    failing = sorted(failed & set(missing))  # failed, and not written since
    if failing:
        shown = ", ".join(failing[:3]) + (", ..." if len(failing) > 3 else "")
        text += f" ({len(failing)} failed: {shown})"
    return text


def unreadable(store: TableStore, key: str) -> str | None:
    """Why the log of `key`'s table cannot be read (damaged, say); None when it can."""
    try:
        store.latest_commit(key)
    except StorageError as error:
        return str(error)
    return None


def asset_line(store: TableStore, key: str) -> list[str]:
    try:
        commit = store.latest_commit(key)
    except StorageError:  # said below the table, in one line
        return [key, "unreadable (see below)", "-", "-"]
    if commit is None:
        return [key, "never", "-", "-"]
    when = datetime.fromtimestamp(commit.timestamp_ms / 1000).strftime("%Y-%m-%d %H:%M:%S")
    run = commit.run_id[:8] if commit.run_id else "standalone"
    return [key, when, f"{commit.rows:,}", run]


def wrapper_keys(defs_folder: Path) -> list[str] | None:
    """The keys of the medallion wrappers; None if the folder holds any other module."""
    keys, modules = [], set(defs_folder.rglob("*.py"))
    for layer in LAYERS:
        for wrapper in (defs_folder / layer).glob(wrapper_pattern(layer)):
            keys.append(key_of_wrapper(wrapper))
            modules.discard(wrapper)
    if any(module.name != "__init__.py" for module in modules):
        return None
    return by_layer(keys)


def last_run_line(runs_db: Path) -> str | None:
    """'Last run: ...' from the local run database; '' when there is no run yet, None
    when Dagster itself must answer (see the module's docstring)."""
    if not runs_db.is_file():
        return None
    try:
        with sqlite3.connect(f"{runs_db.as_uri()}?mode=ro", uri=True) as database:
            unfinished = database.execute(
                f"SELECT count(*) FROM runs WHERE status IN ({', '.join('?' * len(UNFINISHED))})",
                UNFINISHED,
            ).fetchone()[0]
            last = database.execute(
                "SELECT run_id, status, start_time FROM runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except sqlite3.Error:  # not the layout this reads: let Dagster answer
        return None
    if unfinished:
        return None
    if last is None:
        return ""
    run_id, state, started = last
    return run_line(run_id, started, state)


def run_line(run_id: str, started: float | None, state: str) -> str:
    """'Last run: <id>, started <when>: <state>'; a run that never started says so."""
    if not started:  # its record was made, then its process was killed
        return f"Last run: {run_id[:8]}, never started (killed?): {state}"
    when = datetime.fromtimestamp(started).strftime("%Y-%m-%d %H:%M:%S")
    return f"Last run: {run_id[:8]}, started {when}: {state}"
