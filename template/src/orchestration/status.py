"""What `run_polster.py --status` prints, in well under a second: Dagster is not imported.

Each asset's line comes from its table's own Delta log: when its current version was
written, by which run, with how many rows (the row counts the commit recorded; no data is
read). The last run's line comes from Dagster's run database, read directly when it is
the local SQLite one. That shortcut is only taken when it gives what Dagster would:
`quick_status` returns False, and the runner asks Dagster itself, when the database is
elsewhere (PostgreSQL), when a run is still marked as started (its process may have
died: Dagster's path marks it failed) or when the defs folder holds assets that are not
medallion wrappers (only Dagster knows their keys).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from core.paths import PROJECT_ROOT
from core.storage import StorageError, TableStore, default_store
from medallion.layers import LAYERS, by_layer
from medallion.layout import ASSETS_DIR, NO_ASSETS_YET, key_of_wrapper, wrapper_pattern
from orchestration.text_table import text_table

HEADERS = ["asset", "last materialized", "rows", "run"]
UNFINISHED = ("STARTED", "STARTING")  # a dead process may have left them so


def quick_status(dagster_home: Path) -> bool:
    """Print the status without Dagster if that gives the same answer; False if it cannot."""
    keys = wrapper_keys(PROJECT_ROOT / ASSETS_DIR)
    last = last_run_line(dagster_home / "history" / "runs.db")
    if keys is None or last is None:
        return False
    print_asset_lines(keys)
    if last:
        print(last)
    return True


def print_asset_lines(keys: Sequence[str], store: TableStore | None = None) -> None:
    """One line per asset: its table's current version, from the Delta log."""
    if not keys:
        print(NO_ASSETS_YET)
        return
    store = store or default_store()
    rows = [asset_line(store, key) for key in keys]
    print(f"Environment {store.environment}: tables in {store.root}")
    print(text_table(HEADERS, rows, right={2}))


def asset_line(store: TableStore, key: str) -> list[str]:
    try:
        commit = store.latest_commit(key)
    except StorageError:
        commit = None
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
    when = datetime.fromtimestamp(started or 0).strftime("%Y-%m-%d %H:%M:%S")
    return f"Last run: {run_id[:8]}, started {when}: {state}"
