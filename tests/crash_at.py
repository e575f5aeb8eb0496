"""`python tests/crash_at.py KEY:STAGE [run_polster.py options]`, in a project's folder:
run_polster.py, killed with SIGKILL when the write of KEY reaches STAGE.

The crash tests' seam: it adds a hook to polster.core.storage.WRITE_STAGE_HOOKS, so that
no product code reads a test setting. See the hooks' comment for the stages.
"""

from __future__ import annotations

import os
import signal
import sys

from polster.core import storage
from polster.orchestration import run_polster


def kill_at(target: str):
    def hook(key: str, stage: str) -> None:
        if f"{key}:{stage}" == target:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


if __name__ == "__main__":
    storage.WRITE_STAGE_HOOKS.append(kill_at(sys.argv[1]))
    sys.exit(run_polster(sys.argv[2:]))
