"""Checks of a lake's table locks and concurrent partition writes, with processes of their
own; run on a local lake here (test_lake_locks.py) and on Azurite by the template tests
(tests/test_several_machines.py), which share one emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from polster.core.locks import LockTimeoutError
from polster.core.storage import TableStore

HOLD_LOCK = Path(__file__).with_name("hold_lock.py")
WRITE_PARTITION = Path(__file__).with_name("write_partition.py")


def hold(store: TableStore, env: dict[str, str], key: str, *partition: str) -> subprocess.Popen:
    """A process of its own holding the lock of `key` (of one partition), once it says so."""
    holder = subprocess.Popen(
        [sys.executable, str(HOLD_LOCK), store.root, key, *partition],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    ready = holder.stdout.readline() if holder.stdout else ""
    assert ready.strip() == "held", ready
    return holder


def refused(store: TableStore, key: str, partition: date | None = None) -> str:
    """The one line a write of `key` that may not wait is refused with."""
    with pytest.raises(LockTimeoutError) as error, store._locked(key, partition):
        pass
    assert "\n" not in str(error.value)
    return str(error.value)


def check_partitions_are_locked_apart(store: TableStore, env: dict[str, str]) -> None:
    """Another partition is written at once; the same partition, and a whole-table write
    (a merge, restore, vacuum), wait for its writer: one line naming the holder."""
    store = TableStore(**{**store.__dict__, "lock_timeout": 0})
    holder = hold(store, env, "silver_orders", "2025-01-01")
    try:
        with store._locked("silver_orders", date(2025, 1, 2)):
            pass
        message = refused(store, "silver_orders", date(2025, 1, 1))
        assert message.startswith(
            "silver_orders partition 2025-01-01 is being written by another process (host "
        ), message
        assert f"pid {holder.pid}, since " in message
        assert "POLSTER_LOCK_TIMEOUT" in message
        assert refused(store, "silver_orders").startswith("silver_orders partition 2025-01-01")
    finally:
        holder.kill()
        holder.wait(timeout=10)


def check_partition_writers_commit_at_once(
    store: TableStore, env: dict[str, str], writes: int = 3
) -> None:
    """Three processes, quarantined writes of a partition of their own each: delta-rs
    refuses some of these commits as conflicts (see conflicts.py); retried, all land."""
    days = ["2025-01-01", "2025-01-02", "2025-01-03"]
    command = [sys.executable, str(WRITE_PARTITION), store.root, "silver_orders"]
    writers = [
        subprocess.Popen(
            [*command, day, day, str(writes)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        for day in days
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    for key in ("silver_orders", "silver_orders__rejected"):
        rows = store.read(key).collect()
        assert sorted(rows["tag"].to_list()) == [f"{day}-{writes - 1}" for day in days], key
