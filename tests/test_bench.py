"""`make bench` runs at its smallest size and reports every figure; no timing is asserted."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, run

VARIANTS = {"run_polster", "plain_polars", "duckdb", "pandas", "io_floor"}
RATIOS = {
    "run_polster_vs_plain_polars",
    "pandas_vs_run_polster",
    "run_polster_vs_io_floor",
    "peak_rss_vs_bronze_in_memory",
    "peak_rss_vs_plain_polars",
    "run_polster_vs_duckdb",
    "peak_rss_vs_duckdb",
}


def test_make_bench_reports_every_figure_with_its_ratio(tmp_path):
    output = tmp_path / "results.json"
    # The quick run: the 100M-row run and TPC-H (minutes each) are left out by their options.
    quick = ["ROWS=1000", "REPEAT=1", "CSV_MIB=1", "LARGE_ROWS=0", "TPCH_SCALE=0"]
    quick += ["BACKFILL_DAYS=2"]  # the fan-out's code path: 2 days in 2 runs
    result = run(["make", "bench", *quick, f"OUTPUT={output}"], REPO)

    results = json.loads(output.read_text())
    assert set(results) >= {
        "machine",
        "create_project",
        "add_asset",
        "pipeline",
        "overhead",
        "csv_ingest",
        "csv_to_gold",
        "read_only",
        "incremental",
    }
    for comparison, names in [
        ("create_project", {"copier_copy", "create_dagster_project"}),
        ("add_asset", {"polster_add_asset", "dg_scaffold_asset"}),
        ("overhead", {"run_polster", "plain_polars", "bare_materialize", "dagster_alone"}),
        ("csv_to_gold", {"run_polster", "plain_polars"}),
    ]:
        figures = results[comparison]
        assert figures["ratio"] > 0
        for name in names:
            assert figures[name]["seconds"] > 0
            assert figures[name]["peak_rss_mib"] > 0
            assert len(figures[name]["runs"]) == 1
    [entry] = results["pipeline"]
    assert entry["rows"] == 1000
    assert entry["bronze_rows"] == 1030
    assert entry["bronze_in_memory_mib"] > 0
    assert entry["same_gold"] is True  # the variants compute the same gold table
    assert set(entry["variants"]) == VARIANTS
    assert all(figures["rows_per_second"] > 0 for figures in entry["variants"].values())
    assert set(entry["ratios"]) == RATIOS
    assert results["settings"]["bytecode_cached"] is True
    assert results["large"] is None  # LARGE_ROWS=0 and TPCH_SCALE=0: said, not silently skipped
    assert results["tpch"] is None
    backfill = results["backfill"]  # BACKFILL_DAYS=2: one fan-out in 2 runs, its gold checked
    assert backfill["days"] == 2
    assert set(backfill["fan_outs"]) == {"2"}
    assert backfill["fan_outs"]["2"]["seconds"] > 0
    assert results["overhead"]["over_plain_seconds"] == pytest.approx(
        results["overhead"]["run_polster"]["seconds"]
        - results["overhead"]["plain_polars"]["seconds"],
        abs=0.01,
    )
    assert results["overhead"]["over_dagster_seconds"] == pytest.approx(
        results["overhead"]["run_polster"]["seconds"]
        - results["overhead"]["dagster_alone"]["seconds"],
        abs=0.01,
    )
    # Fixed cost, the example against plain Polars and DuckDB (time, RSS), the CSV pipeline,
    # three start-up limits, one new day: each with its limit and whether it is met.
    assert len(results["targets"]) == 10
    assert [target["limit"] for target in results["targets"]][:5] == [1.5, 1.15, 1.0, 1.15, 1.0]
    incremental = results["incremental"]
    assert [table["days"] for table in incremental["tables"]] == [2, 5]
    for table in incremental["tables"]:
        assert table["one_day_seconds"] > 0
        assert table["rebuild_seconds"] > 0
        assert len(table["one_day_runs"]) == 3
    assert incremental["one_day_large_vs_small"] > 0
    assert results["csv_to_gold"]["rows"] > 0
    for name in ("status", "validate", "list_assets", "definitions"):
        assert results["read_only"][name]["seconds"] > 0
    # validate's steps before the Dagster load: a part of the whole, not all of it
    steps = results["read_only"]["validate_without_dagster"]["seconds"]
    assert 0 < steps < results["read_only"]["validate"]["seconds"]
    ingest = results["csv_ingest"]
    assert ingest["rows"] > 0
    assert ingest["csv_mib"] >= 1
    assert ingest["ratio"] > 0
    for name in ("csv_template", "scan_csv_sink_parquet"):
        assert ingest[name]["seconds"] > 0
        assert len(ingest[name]["runs"]) == 1
    assert {"measured", "limit", "met"} <= set(results["targets"][0])
    # The same figures, printed as the README's tables.
    assert "| Bronze rows | Pipeline |" in result.stdout
    assert "bytecode cached" in result.stdout
    assert output.with_suffix(".md").read_text() in result.stdout
