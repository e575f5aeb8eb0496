"""One writer per table at a time, across processes: a lock file per table.

Two runs of the pipeline, or a run and `python src/core/<asset>.py`, may write the same
table at once. Delta's own commits are atomic, but a silver write is two commits (its
rejected rows, then its kept rows) and an overwrite reads the version it replaces, so
the second writer waits for the first instead: it takes the lock when the first is done,
or gives up after the timeout with one line that says who holds it.

The lock files live in the project's `.polster/locks/` folder (git-ignored), also for
tables on ADLS: the lock covers the processes of this project on this machine.

filelock is imported by the functions that lock: it brings asyncio, which the commands
that only read (`run_polster.py --status`) need not wait for.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from polster.contract.errors import PolsterError


class LockTimeoutError(PolsterError, TimeoutError):
    """Another process kept writing a table for longer than we were willing to wait."""


def lock_path(folder: Path, uri: str, key: str) -> Path:
    """The lock file of the table at `uri` (one per table, whichever store names it)."""
    digest = hashlib.sha1(uri.encode()).hexdigest()[:12]
    return folder / f"{key}-{digest}.lock"


@contextmanager
def table_lock(folder: Path, uri: str, key: str, timeout: float) -> Iterator[None]:
    """Hold the write lock of one table; wait at most `timeout` seconds for it."""
    path = lock_path(folder, uri, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        msg = f"cannot create the lock folder {path.parent} ({error.strerror}): make it writable"
        raise PolsterError(msg) from None
    from filelock import FileLock, Timeout

    owner = path.with_suffix(".owner")
    lock = FileLock(path)
    try:
        lock.acquire(timeout=timeout)
        owner.write_text(f"pid {os.getpid()}, since {datetime.now():%Y-%m-%d %H:%M:%S}")
    except Timeout:
        msg = (
            f"{key} is being written by another process ({_read(owner)}); waited "
            f"{timeout:.0f} s. Let that run finish, or wait longer: POLSTER_LOCK_TIMEOUT=<seconds>"
        )
        raise LockTimeoutError(msg) from None
    except OSError as error:  # a read-only or full .polster/
        lock.release()
        msg = (
            f"cannot lock {key} in {path.parent} ({error.strerror}): make that folder "
            "writable (it holds Polster's locks)"
        )
        raise PolsterError(msg) from None
    try:
        yield
    finally:
        lock.release()


def _read(path: Path) -> str:
    try:
        return path.read_text().strip() or "unknown"
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
