"""`make bench` runs at its smallest size and reports every figure; no timing is asserted."""

from __future__ import annotations

import json

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
    result = run(["make", "bench", "ROWS=1000", "REPEAT=1", "CSV_MIB=1", f"OUTPUT={output}"], REPO)

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
        ("overhead", {"run_polster", "bare_materialize"}),
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
    # One peak-RSS target at the largest size, eight ratio and time targets.
    assert len(results["targets"]) == 9
    incremental = results["incremental"]
    assert [table["days"] for table in incremental["tables"]] == [2, 5]
    for table in incremental["tables"]:
        assert table["one_day_seconds"] > 0
        assert table["rebuild_seconds"] > 0
        assert len(table["one_day_runs"]) == 3
    assert incremental["one_day_large_vs_small"] > 0
    assert results["csv_to_gold"]["rows"] > 0
    for name in ("status", "list_assets"):
        assert results["read_only"][name]["seconds"] > 0
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
    assert output.with_suffix(".md").read_text() in result.stdout
