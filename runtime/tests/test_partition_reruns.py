"""Re-running a partition never duplicates its rows: kept or rejected, on real Delta tables."""

from datetime import date

import polars as pl
from deltalake import DeltaTable
from polster.contract.declaration import WriteMode
from polster.contract.partitions import PARTITION_COLUMN
from polster.contract.quality import Quarantined
from polster.core.storage.commits import row_writes, unit_at

MERGED = WriteMode(mode="merge", merge_key=("id",))


def day_of(ids: list[int], rejected: list[int]) -> Quarantined:
    return Quarantined(
        kept=pl.LazyFrame({"id": ids, "amount": [10] * len(ids)}),
        rejected=pl.LazyFrame({"id": rejected, "amount": [0] * len(rejected)}),
    )


def test_rerunning_a_day_of_a_merged_partitioned_silver_keeps_its_rejected_rows_once(store):
    """The rejected rows of a merged partition replace that partition's rejected rows:
    the other days' stay, and a re-run of a day does not append them again."""
    first, second = date(2024, 1, 2), date(2024, 1, 3)
    store.write("silver_orders", day_of([1, 2], [3]), write_mode=MERGED, partition=first)
    store.write("silver_orders", day_of([4], [5, 6]), write_mode=MERGED, partition=second)
    for _ in range(2):  # a re-run of the second day, twice
        store.write("silver_orders", day_of([4], [5, 6]), write_mode=MERGED, partition=second)

    rejected = store.read("silver_orders__rejected").collect().sort("id")
    assert rejected.select("id", PARTITION_COLUMN).rows() == [(3, first), (5, second), (6, second)]
    kept = store.read("silver_orders").collect().sort("id")
    assert kept["id"].to_list() == [1, 2, 4]
    # The unit still holds: the kept and rejected versions carry the same write.
    units = [
        unit_at(row_writes(table, None), table.version())
        for key in ("silver_orders", "silver_orders__rejected")
        if (table := DeltaTable(store.uri(key)))
    ]
    assert units[0] is not None
    assert units[0] == units[1]
