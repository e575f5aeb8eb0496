"""Recovery after a killed write (a real process, killed with SIGKILL at a write stage):
what the next write cleans up, and what it must never touch."""

import signal
import subprocess
import sys
from datetime import date
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
    assert not list(Path(store.root, "_polster", "pending").glob("*.json"))


def unreferenced(store: TableStore, key: str) -> set[str]:
    """The files in the table's folder that no version of its log references."""
    table = DeltaTable(store.uri(key))
    referenced = set()
    for version in range(table.version() + 1):
        at = DeltaTable(store.uri(key), version=version)
        paths = pl.DataFrame(at.get_add_actions(flatten=True))["path"].to_list()
        referenced |= {Path(path).name for path in paths}
    return data_files(store, key) - referenced


def test_a_merge_killed_after_its_commit_leaves_no_staged_file_behind(store):
    key, merge = "silver_orders", WriteMode(mode="merge", merge_key=("id",))
    store.write(key, pl.DataFrame({"id": [0], "amount": [0]}), write_mode=merge)
    killed_write(store, key, "after-commit", mode="merge")
    assert unreferenced(store, key)  # the staged file MERGE read its rows from

    store.write(key, pl.DataFrame({"id": [3], "amount": [300]}), write_mode=merge)

    assert not unreferenced(store, key)
    assert sorted(store.read(key).collect()["id"].to_list()) == [0, 1, 2, 3]


def leave_partial_file(store: TableStore, key: str) -> Path:
    """What delta-rs leaves when killed while it writes a data file (MERGE, optimize):
    the file under its temporary name, `<name>.parquet#<n>`, never renamed."""
    written = next(Path(store.uri(key)).glob("*.parquet"))
    partial = written.with_name("part-00001-0a1b2c3d-c000.snappy.parquet#1")
    partial.write_bytes(written.read_bytes()[:100])  # cut short, as a kill leaves it
    return partial


def test_a_data_file_delta_rs_was_writing_when_killed_is_removed_by_the_next_write(store):
    key, append = "silver_orders", WriteMode(mode="append")
    store.write(key, pl.DataFrame({"id": [0], "amount": [0]}))
    partial = leave_partial_file(store, key)

    written = store.write(key, pl.DataFrame({"id": [1], "amount": [1]}), write_mode=append)

    assert not partial.exists()
    assert any(partial.name in note for note in written.notes)


def test_vacuum_removes_a_data_file_delta_rs_was_writing_when_killed(store):
    key = "silver_orders"
    store.write(key, pl.DataFrame({"id": [0], "amount": [0]}))
    partial = leave_partial_file(store, key)

    removed = store.vacuum(key, retention_hours=0, keep_versions=[0], enforce=False)

    assert not partial.exists()
    assert any(partial.name in path for path in removed)
    assert store.read(key).collect()["id"].to_list() == [0]


def test_a_partition_write_leaves_the_files_other_partitions_are_being_written_alone(store):
    """A writer of one partition holds that partition's lock only: a `.parquet#<n>` file in
    another partition's folder may be one that partition's writer (a repair, a merged
    partition's rejected rows) is writing right now. Only the partitions the write holds,
    or the whole table under its lock, are cleaned."""
    key, p, q = "bronze_events", date(2025, 1, 1), date(2025, 1, 2)
    for day in (p, q):
        store.write(key, pl.DataFrame({"id": [day.day]}), partition=day)
    folder = {day: Path(store.uri(key), f"partition_date={day.isoformat()}") for day in (p, q)}
    in_progress = folder[q] / "part-00001-0a1b2c3d-c000.snappy.parquet#1"
    in_progress.write_bytes(b"PAR1")  # delta-rs still writing it, for partition q
    left = folder[p] / "part-00001-0e1f2a3b-c000.snappy.parquet#1"
    left.write_bytes(b"PAR1")  # a killed write of partition p left it

    store.write(key, pl.DataFrame({"id": [10]}), partition=p)

    assert in_progress.exists()
    assert not left.exists()
    store.vacuum(key, retention_hours=0, keep_versions=[], enforce=False)  # the whole table
    assert not in_progress.exists()
