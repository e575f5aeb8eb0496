"""Delta commits that race another process's: retried where the write allows it.

Delta commits are optimistic: two writers may prepare version N at once, and the object
store lets only one write it (a rename that does not replace on a local disk, a conditional
put on ADLS). delta-rs then checks whether the winner's commit touched what the loser read,
and commits the loser as N+1 if not. Measured with deltalake 1.6.6 (two and three processes,
local disk and Azurite): appends never conflict, but an overwrite of one Delta partition
(`create_write_transaction` with partition filters, how Polster publishes a partition)
counts the whole table as read, so another partition's overwrite that removed files fails
it ("a concurrent transaction deleted data this operation read"). Two writers of different
partitions hold different locks, so that failure is no real conflict: the commit is made
again from the table's new version (which files of the partition it replaces is worked out
anew), a few times, with a growing pause. A first write that finds the table created
meanwhile is committed into it the same way. Anything else is one line, and nothing of the
write is published (its staged files are deleted).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from deltalake.exceptions import CommitFailedError, DeltaError

from polster.core.storage.outcomes import StorageError

ATTEMPTS = 8  # at most ~6 s of pauses in all
FIRST_PAUSE = 0.05
T = TypeVar("T")


def with_retries(key: str, commit: Callable[[int], T], retry: bool) -> T:
    """`commit(attempt)`, made again (from a fresh table, by the callable) after a
    commit race where `retry` allows it; a conflict it cannot retry is one line."""
    for attempt in range(ATTEMPTS):
        try:
            return commit(attempt)
        except CommitFailedError as error:
            failure = error
        except DeltaError as error:
            if "already exists" not in str(error):
                raise
            failure = error  # another process created the table first: commit into it
            retry = True
        if not retry or attempt == ATTEMPTS - 1:
            reason = str(failure).splitlines()[0].removeprefix("Failed to commit transaction: ")
            reason = reason.rstrip(".")
            msg = (
                f"{key} was not published: another process committed to its table at the "
                f"same time ({reason}; tried {attempt + 1} time(s)). Nothing of this write "
                "was kept: run it again"
            )
            raise StorageError(msg) from None
        time.sleep(FIRST_PAUSE * 2**attempt * random.uniform(1, 1.5))  # with jitter
    raise AssertionError  # not reached
