"""`python write_partition.py ROOT KEY DAY TAG COUNT [STAGE]`: COUNT quarantined writes of
partition DAY of KEY into the lake at ROOT (see hold_lock.py), each the kept row and the
rejected row `TAG-<n>`; with a STAGE, the first write is killed with SIGKILL there, exactly
as `kill -9` would (the hook seam of polster.core.storage.WRITE_STAGE_HOOKS)."""

from __future__ import annotations

import os
import signal
import sys
from datetime import date

import polars as pl
from hold_lock import lake
from polster.contract.quality import Quarantined
from polster.core.storage import WRITE_STAGE_HOOKS


def rows(tag: str) -> Quarantined:
    kept = pl.LazyFrame({"tag": [tag]})
    return Quarantined(kept=kept, rejected=kept.with_columns(rejected_reason=pl.lit("bad")))


if __name__ == "__main__":
    root, key, day, tag, count, *stage = sys.argv[1:]
    if stage:
        WRITE_STAGE_HOOKS.append(
            lambda _key, reached: reached == stage[0] and os.kill(os.getpid(), signal.SIGKILL)
        )
    store = lake(root)
    for number in range(int(count)):
        store.write(key, rows(f"{tag}-{number}"), partition=date.fromisoformat(day))
    print("written", flush=True)
