"""The table locks live in the lake: a local lake's lock files, an ADLS lake's blob leases
(on a real Azurite). Holders are processes of their own, killed with SIGKILL where a crash
is the point."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from polster.core.locks import LockTimeoutError
from polster.core.settings import Settings
from polster.core.storage import TableStore
from polster.core.storage.remote import RemoteAccess

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the template tests' emulator
from tests.azurite import ACCOUNT, ACCOUNT_KEY, Azurite

HOLD_LOCK = Path(__file__).with_name("hold_lock.py")
LEASE = 15  # the shortest lease Azure allows: how long a killed holder's lock outlives it
pytestmark = pytest.mark.xdist_group("lake-locks")  # one emulator, one worker


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    with Azurite(tmp_path_factory.mktemp("azurite")) as emulator:
        emulator.create_container("lake")
        yield emulator


@pytest.fixture(params=["local", "adls"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[TableStore, dict[str, str]]:
    """An empty lake, and the environment a process of its own reaches it with."""
    if request.param == "local":
        return TableStore(root=str(tmp_path / "data")), {}
    emulator = request.getfixturevalue("azurite")
    env = {
        "ADLS_ACCOUNT_NAME": ACCOUNT,
        "ADLS_ACCOUNT_KEY": ACCOUNT_KEY,
        "ADLS_ENDPOINT": emulator.endpoint,
        "POLSTER_LOCK_LEASE_SECONDS": str(LEASE),
    }
    settings = Settings(
        storage_backend="adls",
        data_dir=Path("."),
        adls_account_name=ACCOUNT,
        adls_account_key=ACCOUNT_KEY,
        adls_endpoint=emulator.endpoint,
    )
    root = f"abfss://lake@{ACCOUNT}.dfs.core.windows.net/{tmp_path.name}"
    return TableStore(root=root, remote=RemoteAccess(settings), lease_seconds=LEASE), env


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


def test_partitions_are_locked_apart_and_the_whole_table_waits_for_them(lake):
    store, env = lake
    store = TableStore(**{**store.__dict__, "lock_timeout": 0})
    holder = hold(store, env, "silver_orders", "2025-01-01")
    try:
        with store._locked("silver_orders", date(2025, 1, 2)):  # another partition: at once
            pass
        message = refused(store, "silver_orders", date(2025, 1, 1))
        assert message.startswith(
            "silver_orders partition 2025-01-01 is being written by another process (host "
        ), message
        assert f"pid {holder.pid}, since " in message
        assert "POLSTER_LOCK_TIMEOUT" in message
        # A whole-table write (a merge, restore, vacuum) waits for the partition's writer.
        assert refused(store, "silver_orders").startswith("silver_orders partition 2025-01-01")
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_the_lock_of_a_killed_holder_expires(lake):
    store, env = lake
    holder = hold(store, env, "silver_orders")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    killed = time.monotonic()
    with TableStore(**{**store.__dict__, "lock_timeout": LEASE + 10})._locked("silver_orders"):
        waited = time.monotonic() - killed
    if store.remote is None:
        assert waited < 1  # the kernel dropped the lock with its process
    else:
        assert 1 < waited < LEASE + 5, waited  # the lease expired: nobody renewed it
