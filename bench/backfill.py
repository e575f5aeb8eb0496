"""Figure 9: a 60-day backfill as one run against 2 and 4 runs at once (`--fan-out N`).

A daily bronze -> silver -> gold chain (generated rows, the same for the same day) is added
to a rendered project; `run_polster.py --partition-range` backfills the 60 days as one run,
then with `--fan-out 2` and `--fan-out 4` into fresh tables each time. Reported: wall time,
and peak memory both as the largest sum of the resident memory of every process of the
command (sampled every 50 ms from /proc) and as the largest single process. The gold tables
of every variant must be equal.

    python -m bench.backfill PROJECT WORK [--days 60] [--rows 100000] [--repeat 1]

runs this figure alone in an already rendered project (default answers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from bench.process import BenchError
from bench.project import PYTHON, child_env, project_env

DAYS, ROWS_PER_DAY = 60, 100_000
FAN_OUTS = (1, 2, 4)
# `--backfill-days 2` or fewer, the test suite's quick run: the fan-out's code path, no figure.
SMOKE_DAYS, SMOKE_ROWS, SMOKE_FAN_OUTS = 2, 100, (2,)
FIRST_DAY = date(2024, 1, 1)
ASSETS = ("bronze_visits", "silver_visits", "gold_visits_per_day")
PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20

BRONZE = '''\
"""A day of generated visits: the same rows for the same day, whoever asks."""

from datetime import date

import polars as pl

PARTITIONS = "daily"
PARTITIONS_START = "2024-01-01"
ROWS_PER_DAY = {rows}


def extract(partition: date) -> pl.LazyFrame:
    """One day of visits."""
    first = (partition - date(2024, 1, 1)).days * ROWS_PER_DAY
    return pl.LazyFrame(
        {{"visit_id": pl.int_range(first, first + ROWS_PER_DAY, eager=True)}}
    ).with_columns(
        (pl.col("visit_id") % 9973).alias("visitor"),
        ((pl.col("visit_id") * 7) % 1000 / 10).alias("seconds"),
    )
'''
SILVER = '''\
"""Visits longer than a second."""

import polars as pl

PARTITIONS = "daily"
PARTITIONS_START = "2024-01-01"


def transform(bronze_visits: pl.LazyFrame) -> pl.LazyFrame:
    """Visits longer than a second."""
    return bronze_visits.filter(pl.col("seconds") > 1)
'''
GOLD = '''\
"""Visits and time per visitor and day."""

import polars as pl

PARTITIONS = "daily"
PARTITIONS_START = "2024-01-01"


def aggregate(silver_visits: pl.LazyFrame) -> pl.LazyFrame:
    """Visits and time per visitor and day."""
    return silver_visits.group_by("partition_date", "visitor").agg(
        pl.len().alias("visits"), pl.col("seconds").sum().alias("seconds")
    )
'''


def build(project: Path, env: dict[str, str], rows: int) -> None:
    """The three daily assets, added with `polster add-asset`, given their logic."""
    for layer, name, upstream, source in (
        ("bronze", "visits", None, BRONZE.format(rows=rows)),
        ("silver", "visits", "bronze_visits", SILVER),
        ("gold", "visits_per_day", "silver_visits", GOLD),
    ):
        command = [PYTHON, "-m", "polster", "add-asset", "--layer", layer, "--name", name]
        command += ["--partitions", "daily", "--start", FIRST_DAY.isoformat()]
        command += ["--dependencies", upstream] if upstream else []
        subprocess.run(
            command, cwd=project, env=project_env(project, env), check=True, capture_output=True
        )
        (project / "src" / "core" / f"{layer}_{name}.py").write_text(source)


def tree_rss(root: int) -> list[float]:
    """The resident memory (MiB) of `root` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            found.append(int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_MIB)
        except (OSError, IndexError, ValueError):
            continue
        todo.extend(parents.get(pid, []))
    return found


def measure_tree(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> dict[str, float]:
    """Wall time and peak memory (the sum over the process tree, and its largest process)."""
    peaks = {"peak_total_mib": 0.0, "peak_largest_mib": 0.0}
    started = time.perf_counter()
    child = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            sizes = tree_rss(child.pid)
            if sizes:
                peaks["peak_total_mib"] = max(peaks["peak_total_mib"], sum(sizes))
                peaks["peak_largest_mib"] = max(peaks["peak_largest_mib"], max(sizes))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = child.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if child.returncode != 0:
        msg = f"bench: `{' '.join(command)}` exited {child.returncode} in {cwd}:\n{output[-3000:]}"
        raise BenchError(msg)
    return {"seconds": seconds, **{name: round(value, 1) for name, value in peaks.items()}}


def backfill_figures(
    project: Path,
    work: Path,
    env: dict[str, str],
    repeat: int,
    days: int = DAYS,
    rows: int | None = None,
) -> dict[str, object]:
    """Each fan-out's median figures over `repeat` backfills of `days` days, and its gold
    table checked; SMOKE_DAYS or fewer is the test suite's smoke run (in 2 runs only)."""
    smoke = days <= SMOKE_DAYS
    rows = rows or (SMOKE_ROWS if smoke else ROWS_PER_DAY)
    fan_outs = SMOKE_FAN_OUTS if smoke else FAN_OUTS
    build(project, env, rows)
    span = f"{FIRST_DAY}...{FIRST_DAY + timedelta(days=days - 1)}"
    gold = {}
    variants = {}
    for number in range(repeat):
        for runs in fan_outs:  # interleaved, so that a slower minute hits every variant
            data = work / f"fan-out-{runs}-{number}"
            command = [PYTHON, "run_polster.py", "--partition-range", span]
            command += ["--asset", ",".join(ASSETS)]
            command += ["--fan-out", str(runs)] if runs > 1 else []
            run_env = project_env(project, env, POLSTER_DATA_DIR=str(data))
            variants.setdefault(runs, []).append(measure_tree(command, project, run_env))
            gold[runs] = pl.read_delta(str(data / "gold" / "visits_per_day")).sort(
                "partition_date", "visitor"
            )
    first = gold[fan_outs[0]]
    if first.is_empty():
        msg = "bench: the backfill wrote an empty gold table"
        raise BenchError(msg)
    for runs, table in gold.items():
        try:
            assert_frame_equal(first, table)
        except AssertionError as error:
            msg = f"bench: the backfill in {runs} runs wrote another gold table: {error}"
            raise BenchError(msg) from None
    figures = {}
    for runs, samples in variants.items():
        figures[str(runs)] = {
            name: statistics.median(sample[name] for sample in samples) for name in samples[0]
        } | {"runs": samples}
    one = figures[str(fan_outs[0])]["seconds"]  # one run, but in the quick run
    for entry in figures.values():
        entry["speedup"] = round(one / entry["seconds"], 2)
    return {"days": days, "rows_per_day": rows, "cpus": os.cpu_count(), "fan_outs": figures}


def backfill_markdown(results: dict) -> str:
    """The figure's table, for the bench's Markdown."""
    lines = [
        f"| Backfill of {results['days']} days ({results['rows_per_day']:,} rows a day, "
        f"bronze -> silver -> gold, {results['cpus']} CPUs) | Wall time | vs one run | "
        "Peak RSS, all processes | Peak RSS, largest process |",
        "|---|---:|---:|---:|---:|",
    ]
    for runs, entry in results["fan_outs"].items():
        label = "one run" if runs == "1" else f"`--fan-out {runs}`"
        lines.append(
            f"| {label} | {entry['seconds']:.1f} s | {entry['speedup']:.2f}x | "
            f"{entry['peak_total_mib']:,.0f} MiB | {entry['peak_largest_mib']:,.0f} MiB |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backfill", description=__doc__)
    parser.add_argument("project", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--rows", type=int, default=ROWS_PER_DAY)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    env = child_env()
    env["DAGSTER_HOME"] = str(args.work / "dagster_home")
    results = backfill_figures(args.project, args.work, env, args.repeat, args.days, args.rows)
    print(json.dumps(results, indent=2))
    print(backfill_markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
