"""Ctrl-C (SIGINT) and SIGTERM during a run: which arrived, and the run stopped there.

Dagster replaces the signal handlers while it executes a run (SIGTERM becomes SIGINT) and,
between steps, only notes a signal. The operating system's signal number still reaches
the wakeup file descriptor Python writes it to whatever the handler, so the run knows
which signal came; a write that reaches its next stage after it stops before its commit
(nothing half-published), and the run ends as interrupted, with exit code 128 + signal.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from polster.contract.errors import PolsterError
from polster.core.storage import WRITE_STAGE_HOOKS

if TYPE_CHECKING:  # run_summary imports Dagster, which `--status` must not wait for
    from polster.orchestration.run_summary import RunSummary

STOPPING = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt."""


class RunInterruptedError(PolsterError):
    """A run stopped by a signal; `detail` says what it published before."""

    def __init__(self, signum: int, detail: str) -> None:
        super().__init__(detail)
        self.signum = signum
        self.detail = detail


@dataclass
class Signals:
    """The stopping signals received since the run began."""

    read_end: int | None  # None once the run is over: what was received stays
    received: list[int] = field(default_factory=list)

    def first(self) -> int | None:
        """The first SIGINT or SIGTERM received, if any."""
        try:
            while self.read_end is not None and (data := os.read(self.read_end, 64)):
                self.received.extend(signum for signum in data if signum in STOPPING)
        except BlockingIOError:
            pass
        return self.received[0] if self.received else None

    def stop_writes(self, key: str, stage: str) -> None:
        """A write hook: after a signal, a write stops at its next stage, uncommitted."""
        if stage != "after-commit" and self.first() is not None:
            raise KeyboardInterrupt


def published(summary: RunSummary) -> str:
    """What an interrupted run published, and what it did not (nothing of it half-done)."""
    done = [asset.asset for asset in summary.assets if asset.status == "materialized"]
    rest = [asset.asset for asset in summary.assets if asset.status != "materialized"]
    return (
        f"published {', '.join(done) or 'nothing'}; "
        f"not published: {', '.join(rest) or 'none'} (none of it half-written)"
    )


def raise_on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def watching() -> Iterator[Signals]:
    """Note every SIGINT and SIGTERM while the block runs, and stop writes after one."""
    if threading.current_thread() is not threading.main_thread():
        yield Signals(None)  # only the main thread receives signals
        return
    read_end, write_end = os.pipe()
    os.set_blocking(read_end, False)
    os.set_blocking(write_end, False)
    previous = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    signals = Signals(read_end)
    WRITE_STAGE_HOOKS.insert(0, signals.stop_writes)
    try:
        yield signals
    finally:
        WRITE_STAGE_HOOKS.remove(signals.stop_writes)
        signals.first()
        signals.read_end = None
        signal.set_wakeup_fd(previous)
        os.close(read_end)
        os.close(write_end)
