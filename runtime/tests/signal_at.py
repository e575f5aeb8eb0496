"""`python signal_at.py KEY:STAGE SIGNAL [run_polster.py options]`, in a project's folder:
run_polster.py, sent SIGNAL (SIGINT as Ctrl-C sends it, or SIGTERM) by the operating
system when the write of KEY reaches STAGE (the hook seam of WRITE_STAGE_HOOKS)."""

from __future__ import annotations

import os
import signal
import sys

from polster.core import storage
from polster.orchestration import run_polster


def signal_at(target: str, signum: int):
    def hook(key: str, stage: str) -> None:
        if f"{key}:{stage}" == target:
            os.kill(os.getpid(), signum)

    return hook


if __name__ == "__main__":
    storage.WRITE_STAGE_HOOKS.append(signal_at(sys.argv[1], getattr(signal, sys.argv[2])))
    sys.exit(run_polster(sys.argv[3:]))
