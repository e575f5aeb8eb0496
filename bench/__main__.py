"""`python -m bench`: measure, print the tables, write the results as JSON (and Markdown).

python -m bench --rows 100000,1000000 --repeat 3 --csv-mib 1024 --output .bench/results.json

Every measured process runs as on a user's machine: with its bytecode cached
(PYTHONDONTWRITEBYTECODE unset), after one untimed warm-up run (unless --repeat 1).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import csv_to_gold, incremental, ingest, machine, pipelines, report, scaffolding, tpch
from bench.backfill import backfill_figures, backfill_markdown
from bench.process import BenchError, summary
from bench.project import REPO, child_env, render, snapshot_template


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--rows",
        default="100000,1000000,10000000",
        help="bronze sizes of the example pipeline, comma-separated (default: %(default)s)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per figure, the median is reported; 1 is a quick smoke run without warm-up",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=REPO / ".bench" / "results.json",
        help="the JSON results; the Markdown tables go beside it (default: %(default)s)",
    )
    parser.add_argument(
        "--csv-mib",
        type=float,
        default=1024,
        help="size of the CSV the CSV template ingests, in MiB (default: %(default)s)",
    )
    parser.add_argument(
        "--large-rows",
        type=int,
        default=100_000_000,
        help="the example once more at this size, run once each; 0 skips it (default: %(default)s)",
    )
    parser.add_argument(
        "--tpch-scale",
        type=float,
        default=1,
        help="TPC-H scale factor of the Q1 medallion (1: 6M lineitem rows); 0 skips it "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--backfill-days",
        type=int,
        default=60,
        help="days of the backfill run as 1, 2 and 4 concurrent runs; 2 or fewer is a smoke "
        "run (in 2 runs), 0 skips it (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    if args.large_rows < 0 or args.tpch_scale < 0 or args.backfill_days < 0:
        parser.error("--large-rows, --tpch-scale and --backfill-days must be 0 (skip) or more")
    if args.csv_mib <= 0:
        parser.error(f"--csv-mib {args.csv_mib}: give a size above 0")
    try:
        args.rows = sorted({int(size.replace("_", "")) for size in args.rows.split(",")})
    except ValueError:
        parser.error(f"--rows {args.rows}: give whole numbers, such as 100000,1000000")
    if args.repeat < 1 or any(size < 1 for size in args.rows):
        parser.error("--repeat and every --rows size must be at least 1")
    return args


def run(
    rows: list[int],
    repeat: int,
    csv_mib: float,
    large_rows: int = 0,
    tpch_scale: float = 0,
    backfill_days: int = 0,
) -> dict[str, object]:
    env = child_env()
    with tempfile.TemporaryDirectory(prefix="polster-bench-") as scratch:
        work = Path(scratch)
        template = snapshot_template(work / "template")
        print("bench: creating projects and assets ...", file=sys.stderr)
        created = scaffolding.render_samples(template, work / "create", env, repeat)
        added = scaffolding.add_asset_samples(template, work / "create", env, repeat)
        project = render(template, work / "pipeline-project" / "shop")
        env["DAGSTER_HOME"] = str(work / "dagster_home")  # recorded runs, as in .dagster/
        if repeat > 1:  # --repeat 1 is a smoke run (the test suite's): no warm-up
            print("bench: warming up (bytecode, Dagster's database) ...", file=sys.stderr)
            pipelines.warm_up(project, work / "warm-up", env)
        pipeline = []
        for size in rows:
            print(f"bench: the example pipeline at {size:,} rows ...", file=sys.stderr)
            measured = pipelines.pipeline_figures(project, work / f"rows-{size}", env, size, repeat)
            pipeline.append(report.pipeline_entry(size, measured))
        large = None
        if large_rows:
            print(f"bench: the example at {large_rows:,} rows, once ...", file=sys.stderr)
            large = pipelines.large_figures(project, work / "large", env, large_rows)
        print("bench: fixed overhead ...", file=sys.stderr)
        overhead_samples, data = pipelines.overhead_figures(project, work / "overhead", env, repeat)
        print(
            "bench: start-up of --status, validate, list-assets, definitions ...", file=sys.stderr
        )
        read_only = pipelines.read_only_figures(project, data, env, repeat)
        print(f"bench: the CSV template on a {csv_mib:,.0f} MiB CSV ...", file=sys.stderr)
        csv_project = render(template, work / "ingest-project" / "shop")
        ingested = ingest.ingest_figures(csv_project, work / "ingest", env, csv_mib, repeat)
        print(
            f"bench: a CSV -> gold user pipeline on a {csv_mib:,.0f} MiB CSV ...", file=sys.stderr
        )
        user_project = render(template, work / "user-project" / "shop", "include_examples=false")
        user = csv_to_gold.csv_to_gold_figures(user_project, work / "user", env, csv_mib, repeat)
        tpch_result = None
        if tpch_scale:
            print(f"bench: the TPC-H Q1 medallion at scale {tpch_scale:g} ...", file=sys.stderr)
            tpch_project = render(
                template, work / "tpch-project" / "shop", "include_examples=false"
            )
            measured = tpch.tpch_figures(tpch_project, work / "tpch", env, tpch_scale, repeat)
            tpch_result = {
                "scale": measured["scale"],
                "rows": measured["rows"],
                **report.compare(measured["samples"], "run_polster", "plain_polars"),
            }
        print("bench: one new day on a partitioned table of 10 and 300 days ...", file=sys.stderr)
        incremental_project = render(template, work / "incremental-project" / "shop")
        days = incremental.incremental_figures(
            incremental_project, work / "incremental", env, repeat
        )
        backfills = None
        if backfill_days:
            print(f"bench: a {backfill_days}-day backfill in concurrent runs ...", file=sys.stderr)
            backfills = backfill_figures(
                incremental_project, work / "backfill", env, repeat, backfill_days
            )
    overhead = {
        "rows": pipelines.OVERHEAD_ROWS,
        **report.compare(overhead_samples, "run_polster", "bare_materialize"),
    }
    overhead["over_plain_seconds"] = round(
        overhead["run_polster"]["seconds"] - overhead["plain_polars"]["seconds"], 3
    )
    # What Polster adds to any recorded Dagster run (floors/dagster_alone.py).
    overhead["over_dagster_seconds"] = round(
        overhead["run_polster"]["seconds"] - overhead["dagster_alone"]["seconds"], 3
    )
    csv_pipeline = {
        "rows": user["rows"],
        "csv_mib": user["csv_mib"],
        **report.compare(user["samples"], "run_polster", "plain_polars"),
    }
    commands = {name: summary(runs) for name, runs in read_only.items()}
    return {
        "machine": machine.describe(),
        "settings": {
            "rows": rows,
            "repeat": repeat,
            "large_rows": large_rows,
            "tpch_scale": tpch_scale,
            "bytecode_cached": True,
            "warm_up": repeat > 1,
        },
        "create_project": report.compare(created, "copier_copy", "create_dagster_project"),
        "add_asset": report.compare(added, "polster_add_asset", "dg_scaffold_asset"),
        "pipeline": pipeline,
        "large": large,
        "tpch": tpch_result,
        "overhead": overhead,
        "csv_to_gold": csv_pipeline,
        "read_only": commands,
        "incremental": days,
        "backfill": backfills,
        "targets": report.targets(
            pipeline, overhead, csv_pipeline, commands, days, large, tpch_result
        ),
        "csv_ingest": {
            "rows": ingested["rows"],
            "csv_mib": ingested["csv_mib"],
            **report.compare(ingested["samples"], "csv_template", "scan_csv_sink_parquet"),
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        results = run(
            args.rows,
            args.repeat,
            args.csv_mib,
            args.large_rows,
            args.tpch_scale,
            args.backfill_days,
        )
    except BenchError as error:
        print(error, file=sys.stderr)
        return 1
    tables = report.markdown(results)
    if results["backfill"] is not None:
        tables += "\n" + backfill_markdown(results["backfill"])
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    args.output.with_suffix(".md").write_text(tables)
    print(tables)
    print(f"Results: {args.output} (tables: {args.output.with_suffix('.md')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
