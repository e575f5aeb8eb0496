"""Long-running processes of a test (a daemon, a code server, a UI): each in its own
process group, its output in a log file (a pipe nobody reads fills up and stalls it)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path


def start(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log = log  # type: ignore[attr-defined]  # its output, for a failure's message
    return process


def output_of(process: subprocess.Popen) -> str:
    """The end of what `process` printed."""
    return process.log.read_text(errors="replace")[-3000:]  # type: ignore[attr-defined]


def stop(process: subprocess.Popen, timeout: float = 60) -> None:
    """SIGTERM to its whole group, SIGKILL if it has not ended within `timeout`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def running(
    command: list[str], cwd: Path, env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen]:
    """`command` running for the `with` body, stopped at its end."""
    process = start(command, cwd, env, log)
    try:
        yield process
    finally:
        stop(process)
