"""Table maintenance in a rendered project, on real Delta tables: optimize and vacuum.

`polster optimize` must reduce the number of files without changing a row; `polster vacuum`
must keep every version of its retention period restorable, and refuse a retention below
the safe minimum unless forced. Time passing is simulated by ageing the Delta log's commit
and removal timestamps (and the data files' modification times), as days would.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable
from polars.testing import assert_frame_equal

from tests.conftest import PYTHON, make, one_line_failure, polster, project_env, read_table, run

DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def project(render) -> Path:
    return render()


def files_of(table: Path) -> set[str]:
    return {path.name for path in table.glob("*.parquet")}


def active_files(table: Path) -> int:
    return len(DeltaTable(str(table)).file_uris())


def land_orders(project: Path, batches: int) -> Path:
    """A CSV bronze asset that ingested `batches` files, one run each: one file per run."""
    make(project, "add-asset", LAYER="bronze", NAME="orders", TEMPLATE="csv")
    landing = project / "landing" / "orders"
    landing.mkdir(parents=True, exist_ok=True)
    for batch in range(batches):
        rows = "".join(f"{batch * 10 + i},customer {i},note\n" for i in range(3))
        (landing / f"day{batch}.csv").write_text("id,name,note\n" + rows)
        run([PYTHON, "src/core/bronze_orders.py"], project, env=project_env(project))
    return project / "data" / "bronze" / "orders"


def sorted_rows(table: Path, version: int | None = None) -> pl.DataFrame:
    return read_table(table, version).sort("id")


def test_optimize_reduces_the_files_and_changes_no_row(project):
    table = land_orders(project, batches=4)
    assert active_files(table) == 4
    before = sorted_rows(table)
    version_before = DeltaTable(str(table)).version()

    result = make(project, "optimize", ASSET="bronze_orders").stdout

    assert f"bronze_orders: 4 file(s) -> 1 (version {version_before + 1}" in result
    assert active_files(table) == 1
    assert_frame_equal(sorted_rows(table), before)
    # Nothing is lost: the version before the compaction still reads, from its own files.
    assert_frame_equal(sorted_rows(table, version_before), before)
    history = make(project, "history", ASSET="bronze_orders").stdout
    assert "OPTIMIZE" in history
    assert "polster optimize" in history
    # Like every commit, the compaction records the environment that made it.
    (last,) = DeltaTable(str(table)).history(1)
    assert last["polster_env"] == "dev"
    assert "already compact (1 file(s))" in make(project, "optimize", ASSET="orders").stdout

    zordered = make(project, "optimize", ASSET="bronze_orders", ZORDER="id,name")
    assert zordered.returncode == 0
    assert active_files(table) == 1
    assert_frame_equal(sorted_rows(table), before)


def test_optimize_and_vacuum_cover_the_quarantine_table_too(project):
    for key in ("bronze_example", "silver_example"):
        run([PYTHON, f"src/core/{key}.py"], project, env=project_env(project))

    optimized = make(project, "optimize", ASSET="silver_example").stdout.splitlines()
    vacuumed = make(project, "vacuum", ASSET="silver_example").stdout.splitlines()

    assert [line.split(":")[0] for line in optimized] == [
        "silver_example",
        "silver_example__rejected",
    ]
    assert [line.split(":")[0] for line in vacuumed] == [
        "silver_example",
        "silver_example__rejected",
    ]
    assert "silver_example: deleted 0 file(s)" in vacuumed[0]


def write_bronze_versions(project: Path, sizes: list[int]) -> Path:
    """bronze_example written once per size (each version holds other rows)."""
    for rows in sizes:
        env = {**project_env(project), "POLSTER_EXAMPLE_ROWS": str(rows)}
        run([PYTHON, "src/core/bronze_example.py"], project, env=env)
    return project / "data" / "bronze" / "example"


def age_versions(table: Path, versions: range, days_ago: int) -> None:
    """Pretend commits `versions` happened `days_ago` days ago (one minute apart), with the
    files they wrote and the removals they recorded."""
    now_ms = int(time.time() * 1000)
    for offset, version in enumerate(versions):
        when = now_ms - days_ago * DAY_MS + offset * 60_000
        log = table / "_delta_log" / f"{version:020d}.json"
        actions = [json.loads(line) for line in log.read_text().splitlines() if line]
        for action in actions:
            if "commitInfo" in action:
                action["commitInfo"]["timestamp"] = when
            if "remove" in action:
                action["remove"]["deletionTimestamp"] = when
            if "add" in action:
                action["add"]["modificationTime"] = when
                os.utime(table / action["add"]["path"], (when / 1000, when / 1000))
        log.write_text("".join(json.dumps(action) + "\n" for action in actions))
        os.utime(log, (when / 1000, when / 1000))


def test_vacuum_keeps_every_version_of_the_retention_restorable(project):
    table = write_bronze_versions(project, [100, 200, 300, 400])
    contents = [read_table(table, version) for version in range(4)]
    # Versions 0 and 1 were replaced ten days ago; version 2 was current until just now.
    age_versions(table, range(3), days_ago=10)

    dry = make(project, "vacuum", ASSET="bronze_example", DRY_RUN="1").stdout
    assert "bronze_example: would delete 2 file(s)" in dry
    assert len(files_of(table)) == 4

    result = make(project, "vacuum", ASSET="bronze_example").stdout

    assert "bronze_example: deleted 2 file(s) that no version of the last 7d uses" in result
    assert "every version from 2 on can still be restored" in result
    assert len(files_of(table)) == 2
    assert_frame_equal(read_table(table), contents[3])
    restored = make(project, "restore", ASSET="bronze_example", VERSION="2", YES="1").stdout
    assert "has the content of version 2" in restored
    assert_frame_equal(read_table(table), contents[2])
    assert read_table(table).height == contents[2].height

    gone = polster(project, "restore", "bronze_example", "--version", "0", "--yes", check=False)
    one_line_failure(gone, "bronze_example version 0 can no longer be restored")
    unreadable = polster(project, "show", "bronze_example", "--version", "1", check=False)
    one_line_failure(unreadable, "bronze_example version 1 can no longer be read")


def test_a_retention_below_the_safe_minimum_is_refused_unless_forced(project):
    table = write_bronze_versions(project, [100, 200, 300])
    files = files_of(table)

    refused = make(project, "vacuum", check=False, ASSET="bronze_example", RETAIN="1h")

    assert refused.returncode != 0
    assert "error: RETAIN=1h is shorter than bronze_example's safe minimum of 7d" in refused.stderr
    assert "add FORCE=1" in refused.stderr  # in make's words, as the user typed it
    assert "Traceback" not in refused.stderr
    assert files_of(table) == files

    forced = make(project, "vacuum", ASSET="bronze_example", RETAIN="0h", FORCE="1").stdout
    assert "bronze_example: deleted 2 file(s)" in forced
    assert "every version from 2 on can still be restored" in forced
    assert len(files_of(table)) == 1
    assert read_table(table).height == read_table(table, 2).height


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["vacuum", "bronze_example", "--retain", "soon"], "--retain 'soon': give a duration"),
        (["vacuum", "bronze_example", "--retain", "90m"], "--retain '90m': give a duration"),
        (["optimize", "bronze_example", "--zorder", "nope"], "--zorder nope: bronze_example has"),
        (["optimize", "gold_example"], "gold_example has no table at"),
        (["vacuum", "nothing"], "there is no asset 'nothing'"),
    ],
)
def test_maintenance_refuses_bad_input_in_one_line(project, command, message):
    write_bronze_versions(project, [100])

    one_line_failure(polster(project, *command, check=False), message)


MAINTENANCE_RUN = """
from polster.orchestration.definitions import build_definitions

defs = build_definitions()
names = [schedule.name for schedule in defs.schedules or []]
print("schedules", names)
if "table_maintenance" in names:
    repository = defs.get_repository_def()
    schedule = repository.get_schedule_def("table_maintenance")
    print("cron", schedule.cron_schedule, schedule.default_status.value)
    result = repository.get_job("polster_maintenance").execute_in_process()
    print("success", result.success)
"""


def test_the_maintenance_schedule_is_off_by_default_and_compacts_every_table_when_on(project):
    table = land_orders(project, batches=3)
    before = sorted_rows(table)
    env = project_env(project)

    off = run([PYTHON, "-c", MAINTENANCE_RUN], project, env=env).stdout
    assert "schedules ['bronze_daily']" in off
    assert active_files(table) == 3

    on_env = {**env, "MAINTENANCE_SCHEDULE_CRON": "0 3 * * 0"}
    on = run([PYTHON, "-c", MAINTENANCE_RUN], project, env=on_env).stdout
    assert "schedules ['bronze_daily', 'table_maintenance']" in on
    assert "cron 0 3 * * 0 RUNNING" in on
    assert "success True" in on
    assert active_files(table) == 1
    assert_frame_equal(sorted_rows(table), before)
