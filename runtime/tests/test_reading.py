"""Reading a project's tables outside a run: `polster.scan_table` / `read_table`, from a
notebook or a script anywhere in the project, under folders whose names have a space."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import polster
import pytest
from deltalake import DeltaTable
from polars.testing import assert_frame_equal
from polster.core.paths import use_project_root
from polster.core.settings import get_settings
from polster.core.storage import StorageError, default_store

FIRST = pl.DataFrame({"country": ["DE", "US"], "revenue": [10.0, 2.5]})
SECOND = pl.DataFrame({"country": ["DE", "FR", "US"], "revenue": [12.0, 5.0, 7.5]})


@pytest.fixture
def tables(project: Path, sample_project: Path) -> Iterator[Path]:
    """The project copy (under `Jane Doe/my project`) with two versions of gold_revenue
    and a rejected table, written by the project's own store; the session's sample project
    is back in place afterwards."""
    use_project_root(project)
    get_settings.cache_clear()
    store = default_store()
    store.write("gold_revenue", FIRST)
    store.write("gold_revenue", SECOND)
    rejected = pl.DataFrame({"order_id": ["C"], "rejected_reason": ["no price"]})
    store.write("silver_orders__rejected", rejected)
    yield project
    use_project_root(sample_project)
    get_settings.cache_clear()


def test_plain_scan_delta_fails_under_a_folder_with_a_space(tables):
    """The upstream bug the runtime works around (delta-rs hands Polars %20-encoded paths).
    When this test fails, the bug is fixed upstream: the workaround in
    polster.core.storage.remote (LocalDeltaTable) and the README's word on it can go."""
    path = tables / "data" / "gold" / "revenue"
    assert all("%20" in uri for uri in DeltaTable(str(path)).file_uris())
    with pytest.raises(FileNotFoundError, match="%20"):
        pl.scan_delta(str(path)).collect()


def test_any_table_and_version_is_one_call(tables):
    assert_frame_equal(polster.scan_table("gold_revenue").collect(), SECOND)
    assert_frame_equal(polster.read_table("gold_revenue", version=0), FIRST)
    rejected = polster.read_table("silver_orders__rejected")
    assert rejected["rejected_reason"].to_list() == ["no price"]


def test_a_scan_is_lazy_so_filters_reach_the_files(tables):
    query = polster.scan_table("gold_revenue").filter(pl.col("revenue") > 6).select("country")
    assert 'SELECTION: col("revenue")' in query.explain().split("SCAN", 1)[1]
    assert query.collect()["country"].to_list() == ["DE", "US"]


def test_a_missing_table_or_version_says_what_exists(tables):
    with pytest.raises(StorageError, match=r"gold_revenue has no version 7: .* 0 to 1$"):
        polster.read_table("gold_revenue", version=7)
    with pytest.raises(StorageError, match=r"silver_orders has no table at .* materialize it"):
        polster.scan_table("silver_orders")
    with pytest.raises(StorageError, match=r"'revenue' is not an asset key: .*gold_revenue"):
        polster.scan_table("revenue")
