"""`restore` of an asset with quarantined rows: kept and rejected go back together, as one
unit the repair on read recognizes, or not at all."""

import polars as pl
import pytest
from polster.contract.quality import Quarantined
from polster.core.storage import StorageError

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
