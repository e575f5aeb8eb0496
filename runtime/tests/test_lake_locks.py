"""The table locks live in the lake: on a local lake, lock files in its `_polster/locks/`.
Holders are processes of their own, killed with SIGKILL where a crash is the point. The
same checks on ADLS (blob leases, on Azurite): tests/test_several_machines.py."""

from __future__ import annotations

import os
import signal
import time

import pytest
from lake_checks import (
    check_partition_writers_commit_at_once,
    check_partitions_are_locked_apart,
    hold,
)
from polster.core.storage import TableStore


@pytest.fixture
def lake(tmp_path) -> TableStore:
    return TableStore(root=str(tmp_path / "data"))


def test_partitions_are_locked_apart_and_the_whole_table_waits_for_them(lake):
    check_partitions_are_locked_apart(lake, {})


def test_writers_of_different_partitions_commit_at_once(lake):
    check_partition_writers_commit_at_once(lake, {}, writes=2)


def test_the_lock_of_a_killed_holder_ends_with_it(lake):
    """On ADLS it expires after its lease instead: tests/test_several_machines.py."""
    holder = hold(lake, {}, "silver_orders")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    killed = time.monotonic()
    with TableStore(root=lake.root, lock_timeout=5)._locked("silver_orders"):
        waited = time.monotonic() - killed
    assert waited < 1  # the kernel dropped the lock with its process
