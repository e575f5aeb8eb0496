"""`python hold_lock.py ROOT KEY [PARTITION]`: take the write lock of table KEY (of just its
PARTITION) in the lake at ROOT, print "held", and keep it until killed. For an abfss://
ROOT, the ADLS_* variables of the environment say how to reach it (Azurite in the tests)."""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

from polster.core.settings import Settings
from polster.core.storage import TableStore
from polster.core.storage.remote import RemoteAccess


def lake(root: str) -> TableStore:
    if not root.startswith("abfss://"):
        return TableStore(root=root)
    settings = Settings(
        storage_backend="adls",
        data_dir=Path("."),
        adls_account_name=os.environ["ADLS_ACCOUNT_NAME"],
        adls_account_key=os.environ["ADLS_ACCOUNT_KEY"],
        adls_endpoint=os.environ["ADLS_ENDPOINT"],
    )
    lease = int(os.environ.get("POLSTER_LOCK_LEASE_SECONDS", "15"))
    return TableStore(root=root, remote=RemoteAccess(settings), lease_seconds=lease)


if __name__ == "__main__":
    root, key, *rest = sys.argv[1:]
    partition = date.fromisoformat(rest[0]) if rest else None
    with lake(root)._locked(key, partition):
        print("held", flush=True)
        while True:
            time.sleep(1)
