"""Recovery after a killed write (a real process, killed with SIGKILL at a write stage):
what the next write cleans up, and what it must never touch."""

import signal
import subprocess
import sys
from pathlib import Path

import polars as pl
from deltalake import DeltaTable
from polster.contract.declaration import WriteMode
from polster.core.storage import TableStore

KILLED_WRITE = Path(__file__).parent / "killed_write.py"


def killed_write(store: TableStore, key: str, stage: str, mode: str = "overwrite") -> None:
    """Write two rows into `key` in a process of its own, killed -9 at `stage`."""
    folder = Path(store.root).parent
    command = [sys.executable, str(KILLED_WRITE), str(folder), key, stage, mode]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == -signal.SIGKILL, done.stderr


def data_files(store: TableStore, key: str) -> set[str]:
    return {path.name for path in Path(store.uri(key)).rglob("*.parquet*")}


def test_recovery_never_deletes_a_file_an_old_commit_references(store):
    key = "silver_orders"
    store.write(key, pl.DataFrame({"id": [0], "amount": [0]}))
    killed_write(store, key, "after-commit")  # committed version 1, its journal left behind
    for restore in range(26):  # more commits than recovery used to look back on
        store.restore(key, restore % 2)  # versions 0 and 1 in turn; version 1's rows last

    store.write(key, pl.DataFrame({"id": [3], "amount": [300]}), write_mode=WriteMode("append"))

    assert sorted(store.read(key).collect()["id"].to_list()) == [1, 2, 3]
    for version in range(DeltaTable(store.uri(key)).version() + 1):  # every version readable
        store.read(key, version=version).collect()
    assert not list((store.state_dir / "pending").glob("*.json"))
