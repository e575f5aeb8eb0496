"""Delta storage: atomic versioned writes, time travel and clear errors."""

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from polster.core.storage import Audit, AuditError, StorageError


def test_each_write_is_a_new_version_and_old_ones_stay_readable(store):
    first = pl.DataFrame({"order_id": ["A", "B"], "amount": [1.5, 2.0]})
    second = pl.DataFrame({"order_id": ["C"], "amount": [9.0]})

    assert store.write("silver_orders", first, run_id="run-1").version == 0
    written = store.write("silver_orders", second.lazy(), run_id="run-2")

    assert (written.version, written.row_count) == (1, 1)
    assert written.uri.endswith("silver/orders")
    assert_frame_equal(store.read("silver_orders").collect(), second)
    assert_frame_equal(store.read("silver_orders", version=0).collect(), first)


def test_reads_are_lazy_so_columns_and_filters_reach_the_delta_scan(store):
    orders = {"order_id": ["A", "B"], "amount": [1.5, 2.0], "note": ["x", "y"]}
    store.write("silver_orders", pl.DataFrame(orders))

    query = store.read("silver_orders").filter(pl.col("amount") > 1.8).select("order_id")

    scan = query.explain().split("SCAN", 1)[1]  # what the Delta scan itself is asked for
    assert "PROJECT 2/3 COLUMNS" in scan  # order_id, and amount for the filter
    assert 'SELECTION: col("amount")' in scan
    assert query.collect()["order_id"].to_list() == ["B"]


def test_each_commit_records_the_run_that_wrote_it(store):
    store.write("bronze_events", pl.DataFrame({"id": [1]}), run_id="run-1")
    store.write("bronze_events", pl.DataFrame({"id": [2]}))

    newest, oldest = store.history("bronze_events")
    assert oldest["dagster_run_id"] == "run-1"
    assert newest["polster_run"] == "standalone"


def test_a_changed_schema_replaces_the_old_one(store):
    store.write("gold_totals", pl.DataFrame({"total": [1]}))
    written = store.write("gold_totals", pl.DataFrame({"day": ["2024-01-01"], "total": [2.5]}))

    assert written.schema == pl.Schema({"day": pl.String, "total": pl.Float64})


def test_reading_a_missing_table_says_how_to_create_it(store):
    with pytest.raises(StorageError, match=r"materialize it first .*run_polster.py --asset"):
        store.read("silver_missing")


def test_an_empty_partition_is_refused_though_the_table_has_rows(store):
    """ALLOW_EMPTY = False (bronze's default) counts the partition written, not the table."""
    refuse_empty = Audit(allow_empty=False)
    day = pl.DataFrame({"visits": [3]})
    store.write("bronze_visits", day, audit=refuse_empty, partition=date(2024, 1, 1))

    with pytest.raises(AuditError, match="partition 2024-01-02 was not published: the result"):
        store.write("bronze_visits", day.clear(), audit=refuse_empty, partition=date(2024, 1, 2))
    assert store.partitions("bronze_visits") == {date(2024, 1, 1)}


def test_a_partition_write_reports_the_rows_of_its_partition(store):
    store.write("bronze_visits", pl.DataFrame({"visits": [3, 4]}), partition=date(2024, 1, 1))
    second = pl.DataFrame({"visits": [5]})
    written = store.write("bronze_visits", second, partition=date(2024, 1, 2))

    assert (written.rows_written, written.row_count) == (1, 3)
