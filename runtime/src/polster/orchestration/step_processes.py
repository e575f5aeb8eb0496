"""A step process of a multiprocess run dies with its run.

Dagster's multiprocess executor starts each step in a process of its own (multiprocessing,
"spawn"), which goes on when the run's process is killed (kill -9, the OOM killer): it
would commit its table after the run was gone. On Linux the step process asks the kernel
to kill it when its parent dies (prctl PR_SET_PDEATHSIG); a write killed so leaves the last
good version current, as any kill -9 does.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_run() -> None:
    """In a step process (a child made by multiprocessing), die when the run's process does;
    elsewhere, nothing."""
    parent = multiprocessing.parent_process()
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return  # not allowed here: the run's own SIGINT/SIGTERM handling still stops it
    if os.getppid() != parent.pid:  # the run died before the request was made
        os._exit(1)
