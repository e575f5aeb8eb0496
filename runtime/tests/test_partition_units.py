"""Kept and rejected rows of a partitioned silver table stay one unit per partition, with
writers of other partitions committing in between (they hold other locks): a split is
detected and repaired per partition, from what is in the lake."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import polars as pl
from deltalake import DeltaTable
from polster.core.storage import WRITE_STAGE_HOOKS, TableStore
from write_partition import rows

KEY, REJECTED = "silver_orders", "silver_orders__rejected"
P, Q = date(2025, 1, 1), date(2025, 1, 2)
WRITE_PARTITION = Path(__file__).with_name("write_partition.py")


def tags(store: TableStore, key: str) -> dict[str, list[str]]:
    """The tags of a table's rows, by partition."""
    table = store.read(key).collect()
    return {
        str(day): sorted(table.filter(pl.col("partition_date") == day)["tag"].to_list())
        for day in sorted(set(table["partition_date"].to_list()))
    }


@contextmanager
def paused_at(stage: str, write: Callable[[], None]) -> Iterator[None]:
    """`write` runs in thread A and waits at `stage` for as long as the `with` body runs."""
    reached, resume = threading.Event(), threading.Event()

    def pause(key: str, at: str) -> None:
        if at == stage and threading.current_thread().name == "A":
            reached.set()
            assert resume.wait(timeout=30)

    WRITE_STAGE_HOOKS.append(pause)
    try:
        a = threading.Thread(target=write, name="A")
        a.start()
        assert reached.wait(timeout=30)
        yield
        resume.set()
        a.join(timeout=30)
    finally:
        resume.set()
        WRITE_STAGE_HOOKS.remove(pause)


def test_interleaved_writers_of_two_partitions_leave_both_units_whole(store):
    """A commits its rejected rows of P, B writes Q whole, A commits its kept rows of P:
    every table's latest commit is another unit's, yet nothing is split."""
    store.write(KEY, rows("old"), partition=P)
    store.write(KEY, rows("old"), partition=Q)
    with paused_at("between-commits", lambda: store.write(KEY, rows("a"), partition=P)):
        store.write(KEY, rows("b"), partition=Q)

    expected = {str(P): ["a"], str(Q): ["b"]}
    assert tags(store, REJECTED) == expected  # the read repairs nothing: nothing is split
    assert tags(store, KEY) == expected


def test_a_split_left_by_a_killed_writer_is_repaired_for_its_partition_only(store):
    """kill -9 of a writer of P between its commits; then another writer of Q and a reader,
    with stores of their own (other machines: nothing of the killed one's but the lake)."""
    store.write(KEY, rows("old"), partition=P)
    store.write(KEY, rows("old"), partition=Q)
    command = [sys.executable, str(WRITE_PARTITION), store.root, KEY, str(P), "killed", "1"]
    killed = subprocess.run([*command, "between-commits"], capture_output=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    split = pl.read_delta(store.uri(REJECTED))  # as a reader of another tool sees it
    assert sorted(split["tag"].to_list()) == ["killed-0", "old"]

    other = TableStore(root=store.root)
    other.write(KEY, rows("b"), partition=Q)  # repairs P too: nobody holds its lock
    history = DeltaTable(store.uri(REJECTED)).history(2)
    assert tags(other, REJECTED) == {str(P): ["old"], str(Q): ["b"]}
    assert tags(other, KEY) == {str(P): ["old"], str(Q): ["b"]}
    (repair,) = [c for c in history if c.get("polster_repaired")]
    assert repair["polster_partition"] == str(P)

    other.write(KEY, rows("c"), partition=P)  # cleans up after the killed write of P
    assert not list(Path(store.root, "_polster", "pending").glob("*.json"))
    assert tags(other, REJECTED) == {str(P): ["c"], str(Q): ["b"]}


def test_a_commit_that_finds_columns_changed_meanwhile_is_refused_in_one_line(store):
    """A's rows of P are staged for the columns of before; B's write of Q adds a column
    meanwhile: A's commit would undo it, so A is refused and nothing of it is kept."""
    store.write(KEY, pl.DataFrame({"tag": ["old"]}), partition=P)
    failures: list[BaseException] = []

    def write_a() -> None:
        try:
            store.write(KEY, pl.DataFrame({"tag": ["a"]}), partition=P)
        except BaseException as error:
            failures.append(error)

    with paused_at("after-files", write_a):
        store.write(KEY, pl.DataFrame({"tag": ["b"], "extra": [1]}), partition=Q)

    (error,) = failures
    assert str(error).startswith(f"{KEY} was not published: another process changed its columns")
    assert "\n" not in str(error)
    table = store.read(KEY).collect()
    assert "extra" in table.columns
    assert sorted(table["tag"].to_list()) == ["b", "old"]


def test_a_read_during_a_write_sees_the_rejected_rows_of_the_kept_rows_unit(store):
    """Between a write's two commits (its lock held: nothing to repair), a reader of the
    rejected rows gets those that go with the kept rows, per partition."""
    store.write(KEY, rows("old"), partition=P)
    store.write(KEY, rows("old"), partition=Q)
    with paused_at("between-commits", lambda: store.write(KEY, rows("a"), partition=P)):
        during = tags(store, REJECTED), tags(store, KEY)

    assert during == ({str(P): ["old"], str(Q): ["old"]},) * 2
    assert tags(store, REJECTED) == tags(store, KEY) == {str(P): ["a"], str(Q): ["old"]}


def test_restoring_a_version_between_interleaved_writes_restores_each_partitions_rows(store):
    """A commits its rejected rows of P, B writes Q whole, A commits its kept rows of P.
    The kept table's version of B's write holds P's old rows, and the rejected table has
    no version like it (P's were already A's): restore assembles each partition's
    rejected rows from its own unit. It restored the rejected table whole, as of B's
    write, and the restored unit was split in P without anything noticing."""
    store.write(KEY, rows("old"), partition=P)
    store.write(KEY, rows("old"), partition=Q)
    with paused_at("between-commits", lambda: store.write(KEY, rows("a"), partition=P)):
        store.write(KEY, rows("b"), partition=Q)
    partitions = {c["version"]: c.get("polster_partition") for c in store.history(KEY)}
    assert partitions[2] == str(Q)  # 0, 1: the old rows; 2: B's write of Q; 3: A's of P

    store.restore(KEY, 2)

    expected = {str(P): ["old"], str(Q): ["b"]}
    assert tags(store, KEY) == expected
    assert tags(store, REJECTED) == expected
    store.write(KEY, rows("c"), partition=P)  # and the next write goes on from there
    assert tags(store, KEY) == tags(store, REJECTED) == {str(P): ["c"], str(Q): ["b"]}
