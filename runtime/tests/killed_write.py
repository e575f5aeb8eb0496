"""`python killed_write.py FOLDER KEY STAGE MODE`: one write of KEY into the table store in
FOLDER (two rows, ids 1 and 2), killed with SIGKILL when it reaches STAGE, exactly as
`kill -9` would (the hook seam of polster.core.storage.WRITE_STAGE_HOOKS)."""

from __future__ import annotations

import os
import signal
import sys

import polars as pl
from polster.contract.declaration import WriteMode
from polster.core.storage import WRITE_STAGE_HOOKS, TableStore


def kill_at(target: str):
    def hook(key: str, stage: str) -> None:
        if stage == target:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


if __name__ == "__main__":
    folder, key, stage, mode = sys.argv[1:5]
    store = TableStore(root=f"{folder}/data")
    WRITE_STAGE_HOOKS.append(kill_at(stage))
    merge_key = ("id",) if mode == "merge" else ()
    rows = pl.DataFrame({"id": [1, 2], "amount": [100, 200]})
    store.write(key, rows, write_mode=WriteMode(mode=mode, merge_key=merge_key))
    sys.exit(0)  # not reached: the hook killed the process
