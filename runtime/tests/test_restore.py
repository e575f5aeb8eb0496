"""`restore` of an asset with quarantined rows: kept and rejected go back together, as one
unit the repair on read recognizes, or not at all."""

import polars as pl
import pytest
from polster.contract.quality import Quarantined
from polster.core.storage import WRITE_STAGE_HOOKS, StorageError

KEY, REJECTED = "silver_orders", "silver_orders__rejected"


def run(store, n: int) -> None:
    """A write of `n` kept rows and `n` rejected ones."""
    rows = pl.DataFrame({"id": list(range(n))})
    store.write(KEY, Quarantined(rows.lazy(), rows.with_columns(reason=pl.lit("bad")).lazy()))


def heights(store) -> tuple[int, int]:
    return store.read(KEY).collect().height, store.read(REJECTED).collect().height


def test_restoring_an_asset_restores_its_rejected_rows_with_it(store):
    for n in (1, 2, 3):
        run(store, n)

    store.restore(KEY, 0)

    assert heights(store) == (1, 1)  # read through Polster: the repair finds nothing to do
    kept, rejected = store.history(KEY, 1)[0], store.history(REJECTED, 1)[0]
    assert kept["polster_unit"] == rejected["polster_unit"]
    run(store, 4)  # and the next run goes on from there
    assert heights(store) == (4, 4)


def test_a_version_without_its_rejected_rows_is_not_restored(store):
    store.write(KEY, pl.DataFrame({"id": [0]}))  # before the asset quarantined rows
    run(store, 2)

    with pytest.raises(StorageError, match=r"version 0 .* nothing was restored"):
        store.restore(KEY, 0)
    assert heights(store) == (2, 2)


def test_the_rejected_table_alone_is_not_restored(store):
    run(store, 1)
    run(store, 2)

    with pytest.raises(StorageError, match=r"restore silver_orders instead"):
        store.restore(REJECTED, 0)
    assert heights(store) == (2, 2)


class CrashError(Exception):
    """What a kill between the two commits of a write leaves, raised at that moment."""


def crash_between_commits(key: str, stage: str) -> None:
    if stage == "between-commits":
        raise CrashError


def test_a_split_unit_is_repaired_after_more_than_20_maintenance_commits(store):
    """The repair looked for the kept table's last write among its last 20 commits only:
    after 21 optimize/vacuum commits it found none, and left the unit split."""
    run(store, 1)
    for _ in range(7):  # 21 maintenance commits: OPTIMIZE, VACUUM START, VACUUM END
        store.optimize(KEY, zorder=("id",))
        store.vacuum(KEY, 0, [], enforce=False)
    WRITE_STAGE_HOOKS.append(crash_between_commits)
    try:
        with pytest.raises(CrashError):
            run(store, 2)  # its rejected rows committed, its kept rows not
    finally:
        WRITE_STAGE_HOOKS.remove(crash_between_commits)
    # Reading the rejected rows repairs the split unit first: one kept row, one rejected.
    assert heights(store) == (1, 1)
