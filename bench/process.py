"""Run a command as a child process and measure its wall time and peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class BenchError(RuntimeError):
    """A measured command failed; the message names it and shows the end of its output."""


@dataclass(frozen=True)
class Sample:
    """One run of a command: wall-clock seconds, peak resident memory in MiB, its output."""

    seconds: float
    peak_rss_mib: float
    output: str = field(default="", repr=False)


def measure(command: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> Sample:
    """Run `command` to completion; its peak RSS is the kernel's (ru_maxrss, as time -v)."""
    with tempfile.TemporaryFile(mode="w+") as output:
        started = time.perf_counter()
        child = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(child.pid, 0)  # reaps the child: Popen must not wait too
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    if child.returncode != 0:
        msg = f"bench: `{' '.join(command)}` exited {child.returncode} in {cwd}:\n{text[-3000:]}"
        raise BenchError(msg)
    return Sample(seconds=seconds, peak_rss_mib=usage.ru_maxrss / 1024, output=text)


def summary(samples: Sequence[Sample]) -> dict[str, object]:
    """The median wall time and peak RSS of several runs, with every run's figures."""
    return {
        "seconds": statistics.median(sample.seconds for sample in samples),
        "peak_rss_mib": statistics.median(sample.peak_rss_mib for sample in samples),
        "runs": [
            {"seconds": round(s.seconds, 3), "peak_rss_mib": round(s.peak_rss_mib, 1)}
            for s in samples
        ],
    }
