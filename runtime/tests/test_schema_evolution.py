"""Schema evolution: what each write mode does with an added, a removed and a retyped
column, on real Delta tables (the table of the README's reliability section)."""

from datetime import date

import polars as pl
import pytest
from polster.contract.declaration import WriteMode
from polster.contract.partitions import PARTITION_COLUMN
from polster.core.storage import Audit, StorageError

FIRST = pl.DataFrame({"id": [1], "amount": [10]})
NEXT = {
    "added": pl.DataFrame({"id": [2], "amount": [20], "currency": ["EUR"]}),
    "removed": pl.DataFrame({"id": [2]}),
    "retyped": pl.DataFrame({"id": [2], "amount": ["20"]}),
}
MODES = {
    "plain": (WriteMode(), None, None),
    "append": (WriteMode(mode="append"), None, None),
    "merge": (WriteMode(mode="merge", merge_key=("id",)), None, None),
    "partitioned": (WriteMode(), date(2024, 1, 2), date(2024, 1, 3)),
}
# What the table holds after the second write, by mode and change (None: refused).
EXPECTED = {
    ("plain", "added"): {"id": [2], "amount": [20], "currency": ["EUR"]},
    ("plain", "removed"): {"id": [2]},
    ("plain", "retyped"): {"id": [2], "amount": ["20"]},
    ("append", "added"): {"id": [1, 2], "amount": [10, 20], "currency": [None, "EUR"]},
    ("append", "removed"): {"id": [1, 2], "amount": [10, None]},
    ("append", "retyped"): None,
    ("merge", "added"): {"id": [1, 2], "amount": [10, 20], "currency": [None, "EUR"]},
    ("merge", "removed"): {"id": [1, 2], "amount": [10, None]},
    ("merge", "retyped"): None,
    ("partitioned", "added"): {"id": [1, 2], "amount": [10, 20], "currency": [None, "EUR"]},
    ("partitioned", "removed"): {"id": [1, 2], "amount": [10, None]},
    ("partitioned", "retyped"): None,
}


@pytest.mark.parametrize(("mode", "change"), sorted(EXPECTED))
def test_each_write_mode_evolves_or_refuses_each_schema_change(store, mode, change):
    write_mode, first_partition, partition = MODES[mode]
    store.write("silver_orders", FIRST, write_mode=write_mode, partition=first_partition)
    before = store.latest_commit("silver_orders").version

    expected = EXPECTED[mode, change]
    if expected is None:
        pattern = r"column amount is String in the new rows but Int64 in the table"
        with pytest.raises(StorageError, match=pattern) as refused:
            store.write("silver_orders", NEXT[change], write_mode=write_mode, partition=partition)
        assert "\n" not in str(refused.value)
        assert store.latest_commit("silver_orders").version == before  # nothing committed
        table = store.read("silver_orders").drop(PARTITION_COLUMN, strict=False)
        assert table.collect().to_dicts() == FIRST.to_dicts()
        return
    written = store.write("silver_orders", NEXT[change], write_mode=write_mode, partition=partition)

    table = store.read("silver_orders").drop(PARTITION_COLUMN, strict=False).collect()
    assert table.sort("id").to_dict(as_series=False) == expected
    stored = {**store.read("silver_orders").collect_schema()}
    assert {**written.schema} == stored  # what the write reports is what readers see
    if mode != "plain" and change != "retyped":
        assert any(("currency" if change == "added" else "amount") in n for n in written.notes)


def test_a_declared_schema_refuses_a_column_the_table_would_keep(store):
    store.write("silver_orders", FIRST, write_mode=WriteMode(mode="append"))
    declared = Audit(schema={"id": pl.Int64})

    with pytest.raises(StorageError, match=r"amount.*not in its SCHEMA"):
        store.write(
            "silver_orders", NEXT["removed"], audit=declared, write_mode=WriteMode("append")
        )
    assert store.read("silver_orders").collect().to_dicts() == FIRST.to_dicts()


def test_a_refused_retype_of_the_rejected_rows_keeps_the_unit_whole(store):
    from polster.contract.quality import Quarantined

    append = WriteMode(mode="append")
    store.write("silver_orders", Quarantined(FIRST, FIRST), write_mode=append)
    retyped = NEXT["retyped"]

    with pytest.raises(StorageError, match=r"silver_orders__rejected cannot be appended to"):
        store.write("silver_orders", Quarantined(FIRST, retyped), write_mode=append)
    assert store.read("silver_orders").collect().height == 1
    assert store.read("silver_orders__rejected").collect().height == 1
