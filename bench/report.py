"""Medians and ratios from the raw samples, the performance targets, and the printed tables."""

from __future__ import annotations

from bench.machine import one_line
from bench.process import Sample, summary

MIB = 2**20
VARIANT_NAMES = {
    "run_polster": "`run_polster.py` (Dagster + Delta)",
    "plain_polars": "plain Polars script (floor)",
    "duckdb": "DuckDB SQL script",
    "pandas": "pandas script",
    "io_floor": "read + write bronze once (I/O floor)",
}


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else float("inf")


def _times(ratio: float | None) -> str:
    return "not run" if ratio is None else f"{ratio:.2f}x"


def compare(samples: dict[str, list[Sample]], left: str, right: str) -> dict[str, object]:
    """Both commands' medians and left / right (wall time)."""
    figures = {name: summary(runs) for name, runs in samples.items()}
    return {**figures, "ratio": _ratio(figures[left]["seconds"], figures[right]["seconds"])}


def pipeline_entry(rows: int, measured: dict) -> dict[str, object]:
    bronze = measured["bronze"]
    variants = {}
    for name, runs in measured["samples"].items():
        figures = summary(runs)
        figures["rows_per_second"] = round(bronze["rows"] / figures["seconds"])
        variants[name] = figures
    polster, plain, duckdb = (variants[name] for name in ("run_polster", "plain_polars", "duckdb"))
    return {
        "rows": rows,
        "bronze_rows": bronze["rows"],
        "bronze_in_memory_mib": round(bronze["arrow_bytes"] / MIB, 1),
        "bronze_estimated_size_mib": round(bronze["estimated_bytes"] / MIB, 1),
        "same_gold": measured["same_gold"],
        "variants": variants,
        "ratios": {
            "run_polster_vs_plain_polars": _ratio(polster["seconds"], plain["seconds"]),
            # Information only; None where pandas was not run (more than PANDAS_MAX_ROWS).
            "pandas_vs_run_polster": (
                _ratio(variants["pandas"]["seconds"], polster["seconds"])
                if "pandas" in variants
                else None
            ),
            "run_polster_vs_io_floor": _ratio(polster["seconds"], variants["io_floor"]["seconds"]),
            "peak_rss_vs_bronze_in_memory": _ratio(
                polster["peak_rss_mib"], bronze["arrow_bytes"] / MIB
            ),
            "peak_rss_vs_plain_polars": _ratio(polster["peak_rss_mib"], plain["peak_rss_mib"]),
            "run_polster_vs_duckdb": _ratio(polster["seconds"], duckdb["seconds"]),
            "peak_rss_vs_duckdb": _ratio(polster["peak_rss_mib"], duckdb["peak_rss_mib"]),
        },
    }


TARGET_ROWS = 10_000_000  # the size the ratio targets are set at
# Issue #30's targets: what a run may cost over the plain Polars script of the same
# functions (its floor), and how fast the commands that only read must start.
TIME_RATIO = 1.15
RSS_RATIO = 1.0
FIXED_COST_SECONDS = 1.5
START_UP_SECONDS = {"status": 1.0, "validate_without_dagster": 2.0, "list_assets": 1.0}
COMMAND_NAMES = {
    "status": "`python run_polster.py --status`",
    "validate": "`polster validate`",
    "validate_without_dagster": "`polster validate`, its steps before the Dagster load",
    "list_assets": "`polster list-assets`",
    "definitions": "definitions load (`defs()`, as `dg check defs`, the UI, the daemon)",
}


def _at_target_size(pipeline: list[dict]) -> dict:
    """The entry at 10M rows, else the largest size below it (a quick run), else the largest."""
    below = [entry for entry in pipeline if entry["rows"] <= TARGET_ROWS] or pipeline
    return max(below, key=lambda entry: entry["rows"])


def _large_checks(large: dict) -> list[tuple]:
    """The large run: it completes within the plain script's memory (or where the plain
    script does not), and its time and memory against DuckDB SQL."""
    rows, variants = large["rows"], large["variants"]
    polster, plain, duckdb = (variants[name] for name in ("run_polster", "plain_polars", "duckdb"))
    checks = []
    if "failed" in plain:  # it completes where the plain script does not: met
        checks.append(("completes; the plain Polars script failed, example", rows, 0.0, RSS_RATIO))
    else:
        rss = _ratio(polster["peak_rss_mib"], plain["peak_rss_mib"])
        checks.append(("completes, peak RSS / plain Polars script, example", rows, rss, RSS_RATIO))
        seconds = _ratio(polster["seconds"], plain["seconds"])
        checks.append(("wall time / plain Polars script, example", rows, seconds, TIME_RATIO))
    if "failed" not in duckdb:
        seconds = _ratio(polster["seconds"], duckdb["seconds"])
        rss = _ratio(polster["peak_rss_mib"], duckdb["peak_rss_mib"])
        checks.append(("wall time / DuckDB SQL, example", rows, seconds, TIME_RATIO))
        checks.append(("peak RSS / DuckDB SQL, example", rows, rss, RSS_RATIO))
    return checks


def targets(
    pipeline: list[dict],
    overhead: dict,
    csv_to_gold: dict,
    read_only: dict,
    incremental: dict,
    large: dict | None = None,
    tpch: dict | None = None,
) -> list[dict[str, object]]:
    """Each target with the figure it is checked against; every one is at most a limit."""
    entry = _at_target_size(pipeline)
    ratios, rows = entry["ratios"], entry["rows"]
    # (target, rows measured at, measured, limit)
    checks = [
        (
            "fixed cost: run_polster.py - plain Polars script, seconds",
            overhead["rows"],
            overhead["over_plain_seconds"],
            FIXED_COST_SECONDS,
        ),
        (
            "wall time / plain Polars script, example",
            rows,
            ratios["run_polster_vs_plain_polars"],
            TIME_RATIO,
        ),
        ("peak RSS / plain Polars script, example", rows, ratios["peak_rss_vs_plain_polars"], 1.0),
        ("wall time / DuckDB SQL, example", rows, ratios["run_polster_vs_duckdb"], TIME_RATIO),
        ("peak RSS / DuckDB SQL, example", rows, ratios["peak_rss_vs_duckdb"], RSS_RATIO),
    ]
    if large is not None:
        checks += _large_checks(large)
    if tpch is not None:
        polster, plain = tpch["run_polster"], tpch["plain_polars"]
        checks += [
            (
                "wall time / plain Polars script, TPC-H Q1 medallion",
                tpch["rows"],
                tpch["ratio"],
                1.15,
            ),
            (
                "peak RSS / plain Polars script, TPC-H Q1 medallion",
                tpch["rows"],
                _ratio(polster["peak_rss_mib"], plain["peak_rss_mib"]),
                RSS_RATIO,
            ),
        ]
    checks += [
        (
            "wall time / plain Polars script, CSV -> gold user pipeline",
            csv_to_gold["rows"],
            csv_to_gold["ratio"],
            TIME_RATIO,
        ),
        *(
            (
                f"start-up of {COMMAND_NAMES[name]}, seconds",
                overhead["rows"],
                read_only[name]["seconds"],
                limit,
            )
            for name, limit in START_UP_SECONDS.items()
        ),
        (
            "one new day: table of "
            f"{incremental['tables'][-1]['days']} days / of {incremental['tables'][0]['days']}",
            incremental["rows_per_day"],
            incremental["one_day_large_vs_small"],
            1.5,
        ),
    ]
    return [
        {"target": name, "rows": at, "measured": value, "limit": limit, "met": value <= limit}
        for name, at, value, limit in checks
    ]


def markdown(results: dict) -> str:
    """The results as the Markdown tables the README shows."""
    lines = [f"Machine: {one_line(results['machine'])}.", ""]
    lines += [
        (
            f"Each figure is the median of {results['settings']['repeat']} runs; "
            if results["settings"]["repeat"] > 1
            else "Each figure is one run; "
        )
        + "ratios compare figures of the same `make bench` run. Every process ran with its "
        "bytecode cached (`PYTHONDONTWRITEBYTECODE` unset), as on a user's machine, "
        + (
            "after one untimed warm-up run."
            if results["settings"]["warm_up"]
            else "without a warm-up run (`--repeat 1`: a smoke run)."
        ),
        "",
        "| Task | Polster | Dagster | Polster / Dagster |",
        "|------|--------:|--------:|------------------:|",
    ]
    create, add = results["create_project"], results["add_asset"]
    lines.append(
        "| new project: `copier copy` vs `create-dagster project` | "
        f"{create['copier_copy']['seconds']:.2f} s | "
        f"{create['create_dagster_project']['seconds']:.2f} s | {create['ratio']:.2f}x |"
    )
    lines.append(
        "| one asset: `polster add-asset` vs `dg scaffold defs dagster.asset` | "
        f"{add['polster_add_asset']['seconds']:.2f} s | "
        f"{add['dg_scaffold_asset']['seconds']:.2f} s | {add['ratio']:.2f}x |"
    )
    lines += [
        "",
        "| Bronze rows | Pipeline | Wall time | Rows/s | Peak RSS |",
        "|------------:|----------|----------:|-------:|---------:|",
    ]
    for entry in results["pipeline"]:
        for name, figures in entry["variants"].items():
            lines.append(
                f"| {entry['bronze_rows']:,} | {VARIANT_NAMES[name]} | "
                f"{figures['seconds']:.2f} s | {figures['rows_per_second']:,} | "
                f"{figures['peak_rss_mib']:,.0f} MiB |"
            )
    lines += [
        "",
        "| Bronze rows | run_polster / plain Polars | run_polster / DuckDB (wall, RSS) | "
        "pandas / run_polster | run_polster / I/O floor | peak RSS / bronze in memory | "
        "same gold table |",
        "|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for entry in results["pipeline"]:
        ratios = entry["ratios"]
        lines.append(
            f"| {entry['bronze_rows']:,} | {ratios['run_polster_vs_plain_polars']:.2f}x | "
            f"{ratios['run_polster_vs_duckdb']:.2f}x, {ratios['peak_rss_vs_duckdb']:.2f}x | "
            f"{_times(ratios['pandas_vs_run_polster'])} | "
            f"{ratios['run_polster_vs_io_floor']:.2f}x | "
            f"{ratios['peak_rss_vs_bronze_in_memory']:.2f} "
            f"({entry['variants']['run_polster']['peak_rss_mib']:,.0f} of "
            f"{entry['bronze_in_memory_mib']:,.0f} MiB) | "
            f"{'yes' if entry['same_gold'] else 'NO'} |"
        )
    large = results.get("large")
    if large:
        lines += [
            "",
            "| Bronze rows (one run each) | Pipeline | Wall time | Peak RSS |",
            "|------------:|----------|----------:|---------:|",
        ]
        for name, figures in large["variants"].items():
            measured = (
                f"{figures['seconds']:.2f} s | {figures['peak_rss_mib']:,.0f} MiB"
                if "failed" not in figures
                else f"failed: {figures['failed'][:80]} |"
            )
            lines.append(f"| {large['bronze_rows']:,} | {VARIANT_NAMES[name]} | {measured} |")
    overhead = results["overhead"]
    lines += [
        "",
        f"| Fixed cost ({overhead['rows']:,} rows) | `run_polster.py` | plain Polars script | "
        "bare in-process `dagster.materialize` | Dagster alone, recorded | "
        "`run_polster.py` - plain script | `run_polster.py` - Dagster alone |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| wall time | {overhead['run_polster']['seconds']:.2f} s | "
        f"{overhead['plain_polars']['seconds']:.2f} s | "
        f"{overhead['bare_materialize']['seconds']:.2f} s | "
        f"{overhead['dagster_alone']['seconds']:.2f} s | "
        f"{overhead['over_plain_seconds']:+.2f} s | "
        f"{overhead['over_dagster_seconds']:+.2f} s |",
        "",
    ]
    tpch = results.get("tpch")
    if tpch:
        lines += [
            f"| TPC-H Q1 medallion (scale {tpch['scale']:g}, {tpch['rows']:,} lineitem rows) "
            "| Wall time | Peak RSS |",
            "|---|---:|---:|",
            *(
                f"| {label} | {tpch[name]['seconds']:.2f} s | "
                f"{tpch[name]['peak_rss_mib']:,.0f} MiB |"
                for name, label in (
                    ("run_polster", "`run_polster.py` (bronze, silver, Q1 gold)"),
                    ("plain_polars", "the same functions, one plain Polars script"),
                )
            ),
            f"| `run_polster.py` / plain script | {tpch['ratio']:.2f}x | |",
            "",
        ]
    ingest = results["csv_ingest"]
    template, floor = ingest["csv_template"], ingest["scan_csv_sink_parquet"]
    lines += [
        "",
        f"| CSV ingest ({ingest['csv_mib']:,.0f} MiB, {ingest['rows']:,} rows) | Wall time | "
        "MiB/s | Peak RSS |",
        "|---|---:|---:|---:|",
        f"| CSV template (`python src/core/bronze_orders.py`) | {template['seconds']:.2f} s | "
        f"{ingest['csv_mib'] / template['seconds']:,.0f} | {template['peak_rss_mib']:,.0f} MiB |",
        f"| `pl.scan_csv(...).sink_parquet(...)` | {floor['seconds']:.2f} s | "
        f"{ingest['csv_mib'] / floor['seconds']:,.0f} | {floor['peak_rss_mib']:,.0f} MiB |",
        f"| CSV template / plain Polars | {ingest['ratio']:.2f}x | | |",
        "",
    ]
    user = results["csv_to_gold"]
    lines += [
        f"| CSV -> bronze -> silver -> gold ({user['csv_mib']:,.0f} MiB, {user['rows']:,} rows) "
        "| Wall time | Peak RSS |",
        "|---|---:|---:|",
        f"| `run_polster.py` (three `add-asset` assets) | {user['run_polster']['seconds']:.2f} s | "
        f"{user['run_polster']['peak_rss_mib']:,.0f} MiB |",
        "| the same functions, one plain Polars script | "
        f"{user['plain_polars']['seconds']:.2f} s | "
        f"{user['plain_polars']['peak_rss_mib']:,.0f} MiB |",
        f"| `run_polster.py` / plain script | {user['ratio']:.2f}x | |",
        "",
        f"| Daily partitions ({results['incremental']['rows_per_day']:,} rows a day) | "
        "one new day | rebuild of every day | rebuild / one day |",
        "|---|---:|---:|---:|",
        *(
            f"| table of {table['days']} days | {table['one_day_seconds']:.3f} s | "
            f"{table['rebuild_seconds']:.3f} s | "
            f"{table['rebuild_seconds'] / table['one_day_seconds']:.1f}x |"
            for table in results["incremental"]["tables"]
        ),
        f"| one new day, {results['incremental']['tables'][-1]['days']} days / "
        f"{results['incremental']['tables'][0]['days']} days | "
        f"{results['incremental']['one_day_large_vs_small']:.2f}x | | |",
        "",
        "| Start-up of a command that only reads (after one run) | Wall time | Peak RSS |",
        "|---|---:|---:|",
    ]
    for name, label in COMMAND_NAMES.items():
        figures = results["read_only"][name]
        lines.append(
            f"| {label} | {figures['seconds']:.2f} s | {figures['peak_rss_mib']:,.0f} MiB |"
        )
    lines += [
        "",
        "| Target | Rows | Measured | Limit | Met |",
        "|--------|-----:|---------:|------:|:---:|",
    ]
    for target in results["targets"]:
        lines.append(
            f"| {target['target']} | {target['rows']:,} | {target['measured']:.2f} | "
            f"≤ {target['limit']} | {'yes' if target['met'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"
