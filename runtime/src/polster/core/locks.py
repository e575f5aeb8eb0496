"""One writer per table, or per partition of a table, at a time: locks that live in the lake.

Two runs of the pipeline, two pods, or a run and `python src/core/<asset>.py` on another
machine may write the same table at once. Delta's own commits are atomic, but a silver write
is two commits (its rejected rows, then its kept rows) and an overwrite reads the version it
replaces, so the second writer waits for the first instead: it takes the lock when the first
is done, or gives up after the timeout with one line that says who holds it.

The locks live where the tables live, so every machine that writes a lake sees them: in the
lake's `_polster/locks/` area (a lock file on a local lake, whose lock the kernel drops when
its holder dies; an Azure blob lease on ADLS, see storage/lake_lock.py, which expires by
itself when its holder stops renewing it). An `area` names locks, and takes one at a time.

A write of one partition locks (table, partition): other partitions of the table are written
at the same time. A whole-table write (an unpartitioned table, a merge, restore, optimize,
vacuum) excludes them all. The table's own lock is the gate: a partition writer holds it only
while it takes its partition's lock, a whole-table writer holds it throughout and also takes
every partition lock there is, so it waits for the partition writers already under way and
none starts meanwhile.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from polster.contract.errors import PolsterError

POLL_SECONDS = (0.05, 0.5)  # first and longest wait between two attempts to take a lock


class LockTimeoutError(PolsterError, TimeoutError):
    """Another process kept writing a table for longer than we were willing to wait."""


class Held(Protocol):
    def release(self) -> None: ...


class LockArea(Protocol):
    """Where a lake's locks live; one lock per name ("<key>" or "<key>/<partition>")."""

    expiry: str  # how a dead holder's lock ends, for messages

    def try_acquire(self, name: str) -> Held | None:
        """Take the lock `name` if it is free (recording who holds it); else None."""

    def names(self, prefix: str) -> list[str]:
        """The locks under `prefix` ("<key>/"): those of the table's partitions."""

    def owner(self, name: str) -> str:
        """Who holds (or last held) lock `name`: host, pid and since when."""


def lock_name(key: str, partition: date | None) -> str:
    """The name of the lock of table `key`, or of one of its partitions."""
    return key if partition is None else f"{key}/{partition}"


def owner_text() -> str:
    return (
        f"host {socket.gethostname()}, pid {os.getpid()}, since {datetime.now():%Y-%m-%d %H:%M:%S}"
    )


@contextmanager
def table_lock(
    area: LockArea, key: str, timeout: float, partition: date | None = None
) -> Iterator[None]:
    """Hold the write lock of table `key` (of just its `partition`, if given); wait at most
    `timeout` seconds for it."""
    deadline = time.monotonic() + timeout
    with ExitStack() as held:
        gate = _acquire(area, key, key, deadline, timeout)
        if partition is None:
            held.callback(gate.release)
            for name in area.names(f"{key}/"):
                what = f"{key} partition {name.rpartition('/')[2]}"
                held.callback(_acquire(area, name, what, deadline, timeout).release)
        else:
            try:
                name, what = lock_name(key, partition), f"{key} partition {partition}"
                part = _acquire(area, name, what, deadline, timeout)
            finally:
                gate.release()
            held.callback(part.release)
        yield


@contextmanager
def lock_if_free(area: LockArea, key: str, partition: date | None = None) -> Iterator[bool]:
    """Hold the lock of table `key` (of its `partition`) if nobody does: yields whether it
    is held, without waiting (not held either when it cannot be taken: a read-only lake)."""
    held = ExitStack()
    try:
        held.enter_context(table_lock(area, key, 0, partition))
    except PolsterError:
        yield False
        return
    with held:
        yield True


def _acquire(area: LockArea, name: str, what: str, deadline: float, timeout: float) -> Held:
    wait = POLL_SECONDS[0]
    while True:
        held = area.try_acquire(name)
        if held is not None:
            return held
        if time.monotonic() + wait > deadline:
            msg = (
                f"{what} is being written by another process ({area.owner(name)}); waited "
                f"{timeout:.0f} s. Let that run finish ({area.expiry}), or wait longer: "
                "POLSTER_LOCK_TIMEOUT=<seconds>"
            )
            raise LockTimeoutError(msg)
        time.sleep(wait)
        wait = min(wait * 2, POLL_SECONDS[1])


class LocalLockArea:
    """Lock files in a folder of a local lake: `<name>.lock`, who holds it in `<name>.owner`.

    The kernel drops a lock when its holder's process dies, so no lock outlives a crash.
    The files stay (deleting a lock file others may be waiting on would let two hold it).
    """

    expiry: str = "the lock ends with the process that holds it"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def try_acquire(self, name: str) -> Held | None:
        path = self.folder / f"{name}.lock"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except NotADirectoryError:
            file = next(parent for parent in path.parents if parent.is_file())
            msg = (
                f"cannot lock {name}: {file} is a file, not a folder; the data folder must be "
                "a folder (check POLSTER_DATA_DIR)"
            )
            raise PolsterError(msg) from None
        except OSError as error:
            msg = (
                f"cannot create the lock folder {path.parent} ({error.strerror}): make it writable"
            )
            raise PolsterError(msg) from None
        # Imported here: filelock brings asyncio, which commands that only read need not load.
        from filelock import FileLock, Timeout

        lock = FileLock(path)
        try:
            lock.acquire(timeout=0)
            path.with_suffix(".owner").write_text(owner_text())
        except Timeout:
            return None
        except OSError as error:  # a read-only or full lake folder
            lock.release()
            msg = (
                f"cannot lock {name} in {path.parent} ({error.strerror}): make that folder "
                "writable (it holds Polster's locks)"
            )
            raise PolsterError(msg) from None
        return lock

    def names(self, prefix: str) -> list[str]:
        return sorted(f"{prefix}{path.stem}" for path in (self.folder / prefix).glob("*.lock"))

    def owner(self, name: str) -> str:
        try:
            return (self.folder / f"{name}.owner").read_text().strip() or "unknown"
        except OSError:
            return "unknown"


@contextmanager
def setup_lock(path: Path, what: str, timeout: float) -> Iterator[None]:
    """Hold the lock of `path` while this process sets up `what` (storage two processes
    must not create at once); wait at most `timeout` seconds for it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        msg = f"cannot create the folder {path.parent} ({error.strerror}): make it writable"
        raise PolsterError(msg) from None
    from filelock import FileLock, Timeout

    lock = FileLock(path)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        msg = (
            f"another process has been setting up {what} for {timeout:.0f} s ({path} is "
            "locked): let it finish, then try again"
        )
        raise LockTimeoutError(msg) from None
    try:
        yield
    finally:
        lock.release()
