"""Partitioned assets (PARTITIONS, PARTITIONS_START) through real Dagster runs on real Delta tables.

A daily bronze asset reads one real CSV file per day (`incoming/<day>.csv`), a daily
silver asset merges it by key, a daily gold asset sums each day: scaffolded with
`polster add-asset --partitions daily`, run as users run them (`run_polster.py
--partition`, `--partition-range`, Dagster's own CLI, the bronze schedule), in a project
under a folder whose name has a space. Re-running a day replaces exactly its rows; a
backfill in one run equals the same days run one by one; bad input is one line and
writes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable
from polars.testing import assert_frame_equal

from tests.conftest import (
    PYTHON,
    asset_table,
    edit,
    make,
    one_line_failure,
    polster,
    project_env,
    read_table,
    render_project,
    run,
    run_polster,
    without_dagster_telemetry,
)
from tests.readme_commands import section_commands

READ_DAY = 'return pl.read_csv(project_root() / "incoming" / f"{partition}.csv")'
GOLD_SUM = (
    'return silver_events.group_by("partition_date")'
    '.agg(pl.len().alias("events"), pl.col("amount").sum())'
)


@pytest.fixture(scope="module")
def prepared(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with bronze_events -> silver_events (merged by id) -> gold_daily, daily."""
    folder = tmp_path_factory.mktemp("partitions")
    project = render_project(template_src, folder / "my shop", include_examples=False)
    without_dagster_telemetry(project)
    make(
        project, "add-asset", LAYER="bronze", NAME="events", PARTITIONS="daily", START="2024-01-01"
    )
    bronze = project / "src" / "core" / "bronze_events.py"
    edit(
        bronze,
        "import polars as pl\n",
        "import polars as pl\n\nfrom polster import project_root\n",
    )
    edit(
        bronze,
        'return pl.DataFrame({"id": [1, 2, 3], "value": ["a", "b", "c"], "day": [partition] * 3})',
        READ_DAY,
    )
    make(
        project,
        "add-asset",
        LAYER="silver",
        NAME="events",
        DEPS="bronze_events",
        PARTITIONS="daily",
        START="2024-01-01",
        WRITE_MODE="merge",
        MERGE_KEY="id",
    )
    # Silver refuses rows without an amount (a blocking check, as on every silver asset).
    silver = project / "src" / "core" / "silver_events.py"
    quality = "import polars as pl\nfrom polster import not_null\n"
    edit(silver, "import polars as pl\n", quality)
    edit(silver, 'PARTITIONS = "daily"', 'CHECKS = [not_null("amount")]\nPARTITIONS = "daily"')
    make(
        project,
        "add-asset",
        LAYER="gold",
        NAME="daily",
        DEPS="silver_events",
        PARTITIONS="daily",
        START="2024-01-01",
    )
    gold = project / "src" / "core" / "gold_daily.py"
    text = gold.read_text()
    start = text.index("    row_counts = [")
    end = text.index("\n\n\nif __name__")
    gold.write_text(text[:start] + f"    {GOLD_SUM}" + text[end:])
    run([PYTHON, "-m", "ruff", "format", "src"], project)
    (project / "incoming").mkdir()
    return project


@pytest.fixture
def project(prepared: Path, tmp_path: Path) -> Path:
    """A fresh copy of the prepared project for each test (scaffolding it costs three
    add-asset runs), with no bytecode or cache of the first one's folder."""
    ignore = shutil.ignore_patterns("__pycache__", ".ruff_cache")
    return Path(shutil.copytree(prepared, tmp_path / "my shop", symlinks=True, ignore=ignore))


def day_file(project: Path, day: str, rows: list[tuple[int, int | None]]) -> None:
    frame = pl.DataFrame(rows, schema={"id": pl.Int64, "amount": pl.Int64}, orient="row")
    frame.write_csv(project / "incoming" / f"{day}.csv")


def by_day(frame: pl.DataFrame) -> dict[str, list[int]]:
    days: dict[str, list[int]] = {}
    for row in frame.sort("id").iter_rows(named=True):
        days.setdefault(row["partition_date"].isoformat(), []).append(row["id"])
    return days


def test_rerunning_a_day_replaces_exactly_its_rows(project):
    day_file(project, "2024-01-01", [(1, 10), (2, 20), (3, 30)])
    day_file(project, "2024-01-02", [(4, 40), (5, 50)])
    first = run_polster(project, "--partition", "2024-01-01", check=True)
    assert "partition 2024-01-01) succeeded" in first.stdout
    run_polster(project, "--partition", "2024-01-02", check=True)
    assert by_day(asset_table(project, "bronze_events")) == {
        "2024-01-01": [1, 2, 3],
        "2024-01-02": [4, 5],
    }

    # A late correction of day 1: ids 1 and 2 changed, id 3 withdrawn from the file.
    day_file(project, "2024-01-01", [(1, 11), (2, 22)])
    run_polster(project, "--partition", "2024-01-01", check=True)

    bronze = asset_table(project, "bronze_events")
    assert by_day(bronze) == {"2024-01-01": [1, 2], "2024-01-02": [4, 5]}
    assert bronze.height == 4
    assert sorted(bronze.select("id", "amount").rows()) == [(1, 11), (2, 22), (4, 40), (5, 50)]
    # The rows of day 1 were replaced in one commit, which says which partition it wrote;
    # day 2's data file is the one its own run wrote.
    log = DeltaTable(str(project / "data" / "bronze" / "events"))
    assert log.metadata().partition_columns == ["partition_date"]
    writes = [commit for commit in log.history() if "polster_partition" in commit]
    assert [commit["polster_partition"] for commit in writes] == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-01",
    ]
    assert [commit["polster_rows"] for commit in writes] == ["4", "5", "3"]
    day2_files = [uri for uri in log.file_uris() if "partition_date=2024-01-02" in uri]
    assert len(day2_files) == 1

    # Silver merges each day's batch by id: ids 1 and 2 updated, 3 kept, 4 and 5 inserted.
    silver = asset_table(project, "silver_events").sort("id")
    assert silver.select("id", "amount").rows() == [(1, 11), (2, 22), (3, 30), (4, 40), (5, 50)]
    # Gold sums each day of silver: day 1 holds the rows day 1 last wrote.
    gold = asset_table(project, "gold_daily").sort("partition_date")
    assert gold.select("events", "amount").rows() == [(3, 63), (2, 90)]

    history = polster(project, "history", "bronze_events").stdout
    assert "partition" in history.splitlines()[2]
    assert history.count("2024-01-01") == 2
    assert history.count("2024-01-02") == 1


def test_a_backfill_in_one_run_equals_the_days_run_one_by_one(project):
    # Four days: each day run one by one is a run_polster.py process of its own.
    days = [f"2024-01-{day:02d}" for day in range(1, 5)]
    for number, day in enumerate(days):
        day_file(project, day, [(number * 10 + i, number * 100 + i) for i in range(2, 5)])

    backfill = run_polster(project, "--partition-range", "2024-01-01...2024-01-04", check=True)
    assert "partitions 2024-01-01...2024-01-04) succeeded" in backfill.stdout
    assert "4 of 4 (2024-01-01...2024-01-04)" in backfill.stdout
    commits = [
        commit
        for commit in DeltaTable(str(project / "data" / "bronze" / "events")).history()
        if "polster_partition" in commit
    ]
    # One Dagster run wrote the four partitions, one commit each.
    assert sorted(commit["polster_partition"] for commit in commits) == days
    assert len({commit.get("dagster_run_id") for commit in commits}) == 1
    summary = json.loads(next((project / "reports").glob("*/summary.json")).read_text())
    assert [asset["partitions"] for asset in summary["assets"]] == [days, days, days]

    for day in days:
        run_polster(project, "--partition", day, check=True, POLSTER_DATA_DIR="data-by-day")
    for key in ("bronze_events", "silver_events", "gold_daily"):
        columns = ["partition_date", "id"] if key != "gold_daily" else ["partition_date"]
        assert_frame_equal(
            asset_table(project, key).sort(columns),
            asset_table(project, key, "data-by-day").sort(columns),
        )
    assert asset_table(project, "bronze_events").height == 12
    assert asset_table(project, "silver_events").height == 12


def test_a_failed_partition_keeps_the_ones_before_it_and_is_shown_failed(project):
    for day in ("2024-01-03", "2024-01-05"):
        day_file(project, day, [(1, 1)])
    day_file(project, "2024-01-04", [(2, None), (3, 7)])  # a null amount: a check fails

    failed = run_polster(project, "--partition-range", "2024-01-03...2024-01-05", check=False)
    one_line_failure(
        failed,
        "silver_events partition 2024-01-04 was not published: blocking check",
        other_lines=True,
    )
    assert "(this run published 2024-01-03 before it)" in failed.stderr
    assert "so these were not materialized: gold_daily" in failed.stderr
    assert by_day(asset_table(project, "bronze_events")) == {
        "2024-01-03": [1],
        "2024-01-04": [2, 3],
        "2024-01-05": [1],
    }
    assert by_day(asset_table(project, "silver_events")) == {
        "2024-01-03": [1]
    }  # 04 refused, 05 not run

    status = run_polster(project, "--status", check=True).stdout
    lines = {line.split()[0]: line for line in status.splitlines() if "_" in line.split()[0]}
    assert "3 of " in lines["bronze_events"]
    assert "failed" not in lines["bronze_events"]
    assert "1 of " in lines["silver_events"]
    assert "(2 failed: 2024-01-04, 2024-01-05)" in lines["silver_events"]
    assert "(3 failed: 2024-01-03, 2024-01-04, 2024-01-05)" in lines["gold_daily"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--partition", "2024-1-3"], "is '2024-1-3', which is not a date as YYYY-MM-DD"),
        (
            ["--partition", "2023-12-31"],
            "2023-12-31 is outside the partitions of bronze_events (daily from 2024-01-01",
        ),
        (
            ["--partition-range", "2024-01-05...2024-01-01"],
            "runs backwards: write the earlier partition first (2024-01-01...2024-01-05)",
        ),
        (["--partition-range", "2024-01-01..2024-01-05"], "must be written START...END"),
        (
            ["--partition", "2024-01-02", "--asset", "bronze_plain"],
            "--partition: bronze_plain is not partitioned",
        ),
    ],
)
def test_bad_partitions_are_one_line_and_write_nothing(project, args, message):
    polster(project, "add-asset", "--layer", "bronze", "--name", "plain")
    result = run_polster(project, *args, check=False)
    one_line_failure(result, message, other_lines=True)
    assert not (project / "data").exists()


def test_a_partitioned_asset_over_an_upstream_it_cannot_split_is_refused(project):
    edit(
        project / "src" / "core" / "bronze_events.py",
        'PARTITIONS = "daily"',
        'PARTITIONS = "monthly"',
    )
    edit(
        project / "src" / "core" / "silver_events.py",
        'PARTITIONS = "daily"',
        'PARTITIONS = "weekly"',
    )
    result = run_polster(project, "--partition", "2024-01-01", check=False)
    one_line_failure(
        result,
        "silver_events is partitioned weekly but its upstream bronze_events is partitioned monthly",
        other_lines=True,
    )
    assert not (project / "data").exists()


def test_dagster_backfills_and_the_schedule_use_the_same_partitions(project):
    for day in ("2024-01-01", "2024-01-02", "2024-01-10"):
        day_file(project, day, [(1, 5)])
    # Dagster's own CLI, as the UI's backfill does: one run for the range (single-run policy).
    env = project_env(project)
    env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env['PATH']}"
    launch = ["launch", "--assets", "bronze_events", "--partition-range", "2024-01-01...2024-01-02"]
    run([str(Path(PYTHON).parent / "dg"), *launch], project, env=env)
    assert by_day(asset_table(project, "bronze_events")) == {"2024-01-01": [1], "2024-01-02": [1]}
    # The bronze schedule asks, on each tick, for the day that just ended.
    tick = run(
        [
            PYTHON,
            "-c",
            "import datetime as dt, dagster as dg\n"
            "from polster.orchestration.definitions import build_definitions\n"
            "defs = build_definitions()\n"
            "schedule = defs.resolve_schedule_def('bronze_daily_partitions')\n"
            "when = dt.datetime(2024, 1, 11, tzinfo=dt.timezone.utc)\n"
            "context = dg.build_schedule_context(scheduled_execution_time=when)\n"
            "print([r.partition_key for r in schedule.evaluate_tick(context).run_requests])\n"
            "print(schedule.default_status.value)",
        ],
        project,
        env=project_env(project),
    ).stdout.split()
    assert tick[:1] == ["['2024-01-10']"]
    assert tick[-1] == "RUNNING"


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"PARTITIONS": "weekly", "START": "2024-01-03"},
            "--start 2024-01-03 does not start a weekly partition",
        ),
        ({"START": "2024-01-01"}, "--start goes with --partitions"),
        (
            {"PARTITIONS": "daily", "WRITE_MODE": "append"},
            "--partitions cannot go with --write-mode append",
        ),
    ],
)
def test_add_asset_refuses_bad_partitions_in_one_line(project, variables, message):
    result = make(project, "add-asset", check=False, LAYER="bronze", NAME="other", **variables)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert not (project / "src" / "core" / "bronze_other.py").exists()


def test_the_readme_incremental_pipelines_commands_work(template_src, tmp_path):
    project = render_project(template_src, tmp_path / "readme incremental")
    readme = (project / "README.md").read_text()
    commands = section_commands(readme, "Incremental pipelines")
    daily = "bronze_visits,silver_visits,gold_visits_per_day"
    assert f"make run PARTITION_RANGE=2024-01-01...2024-01-31 ASSET={daily}" in commands
    monthly = "ASSET=gold_visits_per_month"
    assert f"make run PARTITION_RANGE=2024-01-01...2024-01-01 {monthly}" in commands
    data = project / "data"
    for command in commands:
        if command.startswith("make remove-asset"):  # the last one: look at the tables first
            bronze = DeltaTable(str(data / "bronze" / "visits"))
            writes = [c["polster_partition"] for c in bronze.history() if "polster_partition" in c]
            # 31 days in one backfill, then day 3 twice (a run, the runner), day 4 on its own
            assert sorted(writes) == sorted(
                [f"2024-01-{day:02d}" for day in range(1, 32)] + ["2024-01-03"] * 2 + ["2024-01-04"]
            )
            assert read_table(data / "bronze" / "visits").height == 31 * 3
            assert read_table(data / "silver" / "visits").height == 3  # ids 1-3, merged daily
            gold = read_table(data / "gold" / "visits_per_day")
            assert gold.height == 31
            # The monthly gold, backfilled by its own run over the daily silver's January.
            monthly = read_table(data / "gold" / "visits_per_month")
            assert monthly["partition_date"].cast(pl.String).unique().to_list() == ["2024-01-01"]
            # The project's own tests run its partitioned assets too (their newest partition).
            tested = make(project, "test", check=False)
            assert tested.returncode == 0, tested.stdout[-3000:]
        command = (
            command.replace("python ", f"{PYTHON} ", 1) if command.startswith("python") else command
        )
        command = command.replace("make ", f"make PYTHON={PYTHON} ", 1)
        result = run(["bash", "-c", command], project, check=False, env=project_env(project))
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        if command.endswith("--status"):
            assert "31 of " in result.stdout
            assert "materialized" in result.stdout
    assert not (data / "bronze" / "visits").exists()
    assert not (project / "src" / "core" / "gold_visits_per_day.py").exists()
    assert not (project / "src" / "core" / "gold_visits_per_month.py").exists()
