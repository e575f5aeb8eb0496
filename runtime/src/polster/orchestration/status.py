"""What `run_polster.py --status` prints, in well under a second: Dagster is not imported.

Each asset's line comes from its table's own Delta log: when its current version was
written, by which run, with how many rows (the row counts the commit recorded; no data is
read). The last run's line comes from Dagster's run database, read directly when it is
the local SQLite one. That shortcut is only taken when it gives what Dagster would:
`quick_status` returns False, and the runner asks Dagster itself, when the database is
elsewhere (PostgreSQL), when a run is still marked as started (its process may have
died: Dagster's path marks it failed), when the defs folder holds assets that are not
medallion wrappers (only Dagster knows their keys), or when a core module does not import
or declares its partitions wrongly (the definitions say why).

A partitioned asset's failed partitions come from Dagster's event index, read as Dagster
reads it for the UI: a partition whose latest planned materialization was not followed by
a materialization, in a run that failed.

A partitioned asset's line also counts its partitions, from the first to the newest
complete one: materialized (in its table), missing, and failed (their last run failed).
"""

from __future__ import annotations

import ast
import importlib
import json
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from polster.contract.layers import LAYERS, by_layer
from polster.contract.layout import (
    ASSETS_DIR,
    NO_ASSETS_YET,
    core_module_path,
    key_of_wrapper,
    wrapper_pattern,
)
from polster.contract.partitions import Partitioning, last_complete, parse_partitioning
from polster.core.paths import project_root
from polster.core.storage import StorageError, TableStore, default_store
from polster.orchestration.text_table import text_table

HEADERS = ["asset", "last materialized", "rows", "run"]
# A dead process may have left them so (NOT_STARTED: killed before its run started).
UNFINISHED = ("NOT_STARTED", "STARTED", "STARTING")


def quick_status(dagster_home: Path) -> bool:
    """Print the status without Dagster if that gives the same answer; False if it cannot."""
    keys = wrapper_keys(project_root() / ASSETS_DIR)
    history = dagster_home / "history"
    last = last_run_line(history / "runs.db")
    if keys is None or last is None:
        return False
    partitioned = {}
    for key in keys:
        partitioning = declared_partitioning(key)
        if partitioning is False:
            return False
        if partitioning is not None:
            partitioned[key] = partitioning
    failed = failed_partitions(history, list(partitioned)) if partitioned else {}
    if failed is None:
        return False
    print_asset_lines(keys, partitionings=partitioned, failed=failed)
    if last:
        print(last)
    return True


def declared_partitioning(key: str) -> Partitioning | Literal[False] | None:
    """How its core module partitions its table, read without Dagster (and, when the module
    assigns them plain values, without importing it); False if the module does not import
    or declares it wrongly (the definitions will say why)."""
    try:
        declared = literal_partitions(project_root() / core_module_path(key))
        if declared is None:  # PARTITIONS computed, say: only Python knows
            module = importlib.import_module(f"core.{key}")
            declared = {name: getattr(module, name, None) for name in PARTITION_NAMES}
        cadence, start = (declared.get(name) for name in PARTITION_NAMES)
        if cadence is None:
            return None
        return parse_partitioning(cadence, start, str(core_module_path(key)))
    except Exception:
        return False


PARTITION_NAMES = ("PARTITIONS", "PARTITIONS_START")


def literal_partitions(path: Path) -> dict[str, object] | None:
    """PARTITIONS and PARTITIONS_START as the module's top level assigns them plain values
    (`PARTITIONS = "daily"`); None when anything else could set them (another assignment,
    an import of that name, `import *`, `global`): then only importing it tells."""
    tree = ast.parse(path.read_bytes())
    found: dict[str, object] = {}
    plain = set()
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in PARTITION_NAMES
            and isinstance(node.value, ast.Constant)
            and node.targets[0].id not in found
        ):
            found[node.targets[0].id] = node.value.value
            plain.add(node.targets[0])
    if any(binds_otherwise(node, plain) for node in ast.walk(tree)):
        return None
    return found


def binds_otherwise(node: ast.AST, plain: set[ast.Name]) -> bool:
    """Whether `node` may give PARTITIONS or PARTITIONS_START a value other than `plain`."""
    if isinstance(node, ast.Name):
        stored = not isinstance(node.ctx, ast.Load)
        return node.id in PARTITION_NAMES and node not in plain and stored
    if isinstance(node, ast.alias):
        return node.name == "*" or (node.asname or node.name) in PARTITION_NAMES
    return isinstance(node, ast.Global | ast.Nonlocal)


# Dagster's event types, as its event index stores them.
PLANNED, MATERIALIZED = "ASSET_MATERIALIZATION_PLANNED", "ASSET_MATERIALIZATION"


def failed_partitions(history: Path, keys: Sequence[str]) -> dict[str, set[str]] | None:
    """The failed partitions of each of `keys`, from Dagster's SQLite event index and run
    database: those whose latest planned materialization was not followed by one, in a run
    that failed (as Dagster computes them for the UI). None when Dagster must answer: no
    such database here, a wiped asset, a layout this does not know."""
    index, runs_db = history / "runs" / "index.db", history / "runs.db"
    if not (index.is_file() and runs_db.is_file()):
        return None
    try:
        with sqlite3.connect(f"{index.as_uri()}?mode=ro", uri=True) as database:
            attempts = {key: latest_attempts(database, key) for key in keys}
            wiped = database.execute(
                "SELECT count(*) FROM asset_keys WHERE wipe_timestamp IS NOT NULL"
            ).fetchone()[0]
        run_ids = sorted({run for planned in attempts.values() for run in planned.values()})
        with sqlite3.connect(f"{runs_db.as_uri()}?mode=ro", uri=True) as database:
            failed_runs = {
                run_id
                for (run_id,) in database.execute(
                    f"SELECT run_id FROM runs WHERE status = 'FAILURE' AND run_id IN "
                    f"({', '.join('?' * len(run_ids))})",
                    run_ids,
                )
            }
    except sqlite3.Error:
        return None
    if wiped:
        return None
    return {
        key: {partition for partition, run in planned.items() if run in failed_runs}
        for key, planned in attempts.items()
    }


def latest_attempts(database: sqlite3.Connection, key: str) -> dict[str, str]:
    """Each partition of `key` whose latest planned materialization is newer than its latest
    materialization, with the run that planned it."""
    latest: dict[str, dict[str, tuple[int, str]]] = {PLANNED: {}, MATERIALIZED: {}}
    # SQLite gives the other columns of the row where max() is found.
    for event_type, partition, run_id, event_id in database.execute(
        "SELECT dagster_event_type, partition, run_id, max(id) FROM event_logs "
        "WHERE asset_key = ? AND partition IS NOT NULL AND dagster_event_type IN (?, ?) "
        "GROUP BY dagster_event_type, partition",
        (json.dumps([key]), PLANNED, MATERIALIZED),
    ):
        latest[event_type][partition] = (event_id, run_id)
    return {
        partition: run_id
        for partition, (event_id, run_id) in latest[PLANNED].items()
        if latest[MATERIALIZED].get(partition, (0, ""))[0] < event_id
    }


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
