"""Backfills spread over several runs: `run_polster.py --fan-out N` and PARTITIONS_PER_RUN.

One project (rendered once for the module) with a daily bronze and silver, both declaring
PARTITIONS_PER_RUN = 2. A range fanned out over two processes writes the same tables as one
run; a backfill submitted to a daemon on a PostgreSQL-backed instance becomes several runs
that all succeed and write one table together, while a standalone `python src/core/...`
writes one of the same partitions: both commits are in the table's history, in order, the
table holds exactly the last one's rows for that day, none lost, none doubled.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

import polars as pl
import pytest
import yaml
from deltalake import DeltaTable
from polars.testing import assert_frame_equal

from tests.conftest import (
    PYTHON,
    asset_table,
    edit,
    make,
    project_env,
    render_project,
    run,
    run_polster,
    table_path,
    without_dagster_telemetry,
)
from tests.postgres import PostgresServer
from tests.processes import running
from tests.readme_commands import section_commands

BIN = Path(PYTHON).parent
DAYS = [f"2024-01-0{day}" for day in range(1, 7)]
RANGE = f"{DAYS[0]}...{DAYS[-1]}"
BRONZE_ROWS = (
    'return pl.DataFrame({"id": [1, 2, 3], "value": ["a", "b", "c"], "day": [partition] * 3})'
)
# Each row says who wrote it: a run (the default) or the standalone script racing it; and
# a day can be made to fail (FAIL_DAY).
BRONZE_WRITER = """\
if partition.isoformat() == os.environ.get("FAIL_DAY"):
        msg = f"no data for {partition}"
        raise ValueError(msg)
    writer = os.environ.get("WRITER", "run")
    return pl.DataFrame({"id": [1, 2, 3], "day": [partition] * 3, "writer": [writer] * 3})"""
DAEMON_TIMEOUT = 240


@pytest.fixture(scope="module")
def project(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bronze_events -> silver_events, daily, PARTITIONS_PER_RUN = 2, deploy/ for Docker."""
    folder = tmp_path_factory.mktemp("fan-out")
    project = render_project(
        template_src, folder / "my shop", include_examples=False, deployment="docker"
    )
    without_dagster_telemetry(project)
    daily = {"PARTITIONS": "daily", "START": DAYS[0]}
    make(project, "add-asset", LAYER="bronze", NAME="events", **daily)
    make(project, "add-asset", LAYER="silver", NAME="events", DEPS="bronze_events", **daily)
    bronze = project / "src" / "core" / "bronze_events.py"
    edit(bronze, "from datetime import date\n", "import os\nfrom datetime import date\n")
    edit(bronze, BRONZE_ROWS, BRONZE_WRITER)
    for key in ("bronze_events", "silver_events"):
        edit(
            project / "src" / "core" / f"{key}.py",
            f'PARTITIONS_START = "{DAYS[0]}"\n',
            f'PARTITIONS_START = "{DAYS[0]}"\nPARTITIONS_PER_RUN = 2\n',
        )
    run([PYTHON, "-m", "ruff", "format", "src"], project)
    return project


def run_ids(project: Path, key: str, data: str) -> list[str]:
    """The run of each partition write of a table, oldest first."""
    history = DeltaTable(str(table_path(project, key, data))).history()
    return [
        c.get("dagster_run_id", "standalone") for c in reversed(history) if "polster_partition" in c
    ]


def test_a_fanned_out_range_writes_one_table_as_one_run_does(project):
    # The README's command (Parallel backfills), as a user types it.
    (command,) = section_commands((project / "README.md").read_text(), "Parallel backfills")
    assert command == f"make run PARTITION_RANGE={RANGE} FAN_OUT=2"
    fanned = run(
        ["bash", "-c", command.replace("make ", f"make PYTHON={PYTHON} ", 1)],
        project,
        check=False,
        env=project_env(project),
    )
    assert fanned.returncode == 0, (fanned.stdout, fanned.stderr)
    assert "Fan-out: 2 runs at once (2024-01-01...2024-01-03, 2024-01-04...2024-01-06)" in (
        fanned.stdout
    )
    assert f"Fan-out of 2 runs of {RANGE} succeeded" in fanned.stdout
    assert len(set(run_ids(project, "bronze_events", "data"))) == 2  # two runs, one table

    single = run_polster(project, "--partition-range", RANGE, POLSTER_DATA_DIR="data-one-run")
    assert single.returncode == 0, (single.stdout, single.stderr)
    assert len(set(run_ids(project, "bronze_events", "data-one-run"))) == 1
    for key in ("bronze_events", "silver_events"):
        assert_frame_equal(
            asset_table(project, key).sort("partition_date", "id"),
            asset_table(project, key, "data-one-run").sort("partition_date", "id"),
        )
    assert asset_table(project, "silver_events").height == 3 * len(DAYS)

    # A chunk that fails is named, the other one stays published; exit code 1.
    failing = run_polster(
        project,
        *("--partition-range", RANGE, "--fan-out", "2", "--asset", "bronze_events"),
        POLSTER_DATA_DIR="data-failing",
        FAIL_DAY="2024-01-05",
    )
    assert failing.returncode == 1, (failing.stdout, failing.stderr)
    assert f"Fan-out of 2 runs of {RANGE} FAILED" in failing.stdout
    error = failing.stderr.strip().splitlines()[-1]
    assert error.startswith("error: 1 of 2 runs failed: 2024-01-04...2024-01-06 (the run failed:")
    assert "no data for 2024-01-05" in error
    assert "rerun --partition-range 2024-01-04...2024-01-06" in error
    written = asset_table(project, "bronze_events", "data-failing")
    days = sorted(written["partition_date"].cast(pl.String).unique())
    assert days == [*DAYS[:4]]  # the first run's three days, and the day before the failure


def daemon_env(project: Path, home: Path, postgres: PostgresServer, database: str) -> dict:
    return {
        **project_env(project),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DAGSTER_HOME": str(home),
        **postgres.dagster_env(database),
        "POLSTER_DATA_DIR": "data-daemon",
    }


# What the UI does for "Materialize" on a range of two assets: one backfill request.
SUBMIT = """
import time, dagster as dg
from dagster._core.execution.backfill import PartitionBackfill
from dagster._core.utils import make_new_backfill_id
from polster.orchestration.definitions import build_definitions
graph = build_definitions().resolve_asset_graph()
instance = dg.DagsterInstance.get()
backfill = PartitionBackfill.from_asset_partitions(
    backfill_id=make_new_backfill_id(), asset_graph=graph, partition_names=DAYS,
    asset_selection=[dg.AssetKey("bronze_events"), dg.AssetKey("silver_events")],
    backfill_timestamp=time.time(), tags={}, dynamic_partitions_store=instance,
    all_partitions=False, title=None, description=None,
    run_config={"execution": {"config": {"in_process": {}}}},  # no process per step
)
instance.add_backfill(backfill)
print(backfill.backfill_id)
"""
# The status of every run of a backfill, from the instance's PostgreSQL tables.
RUNS = (
    "SELECT status FROM runs WHERE run_id IN (SELECT run_id FROM run_tags "
    "WHERE key = 'dagster/backfill' AND value = '{backfill}') ORDER BY status"
)


def test_a_daemon_backfill_runs_side_by_side_and_a_standalone_write_races_it(
    project, postgres: PostgresServer, tmp_path
):
    database = f"fan_out_{secrets.token_hex(4)}"
    postgres.psql(f"CREATE DATABASE {database}")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(project / "deploy" / "dagster.yaml", home / "dagster.yaml")
    module = {
        "module_name": "orchestration.definitions",
        "working_directory": str(project / "src"),
        "location_name": "shop_pipeline",
    }
    workspace = {"load_from": [{"python_module": module}]}
    (home / "workspace.yaml").write_text(yaml.safe_dump(workspace))
    env = daemon_env(project, home, postgres, database)
    log = tmp_path / "daemon.log"
    daemon_command = [str(BIN / "dagster-daemon"), "run", "-w", str(home / "workspace.yaml")]
    with running(daemon_command, project, env, log) as daemon:
        code = f"DAYS = {DAYS!r}\n{SUBMIT}"
        backfill = run([PYTHON, "-c", code], project, env=env).stdout.strip().splitlines()[-1]
        # Once its runs have started, a standalone script writes one of their days, twice.
        standalone = [PYTHON, "src/core/bronze_events.py", "--partition", "2024-01-03"]
        raced = False
        deadline = time.monotonic() + DAEMON_TIMEOUT
        while True:
            runs = postgres.psql(RUNS.format(backfill=backfill), db=database).split()
            if not raced and "STARTED" in runs:
                for _ in range(2):
                    by_hand = {**env, "WRITER": "standalone"}
                    written = run(standalone, project, check=False, env=by_hand)
                    assert written.returncode == 0, (written.stdout, written.stderr)
                raced = True
                continue
            # Its three runs ended (the backfill's own status follows on the daemon's next
            # tick, up to 30 s later: not waited for).
            if len(runs) == 3 and set(runs) <= {"SUCCESS", "FAILURE", "CANCELED"}:
                break
            assert daemon.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, (runs, log.read_text()[-3000:])
            time.sleep(1)

    # Two partitions per run: three runs for six days, all succeeded.
    assert runs == ["SUCCESS"] * 3, runs
    ids = run_ids(project, "bronze_events", "data-daemon")
    assert len(set(ids)) == 4  # three runs and the standalone script
    history = DeltaTable(str(table_path(project, "bronze_events", "data-daemon"))).history()
    day_three = [c for c in reversed(history) if c.get("polster_partition") == "2024-01-03"]
    assert len(day_three) == 3  # none lost: the run's write and both standalone writes
    versions = [c["version"] for c in day_three]
    assert versions == sorted(set(versions))  # one after the other, never at once
    # The table is intact and holds each day once: the last writer's rows for day 3.
    bronze = asset_table(project, "bronze_events", "data-daemon")
    assert bronze.group_by("partition_date").len()["len"].to_list() == [3] * len(DAYS)
    last = "standalone" if "polster_run" in day_three[-1] else "run"
    writers = bronze.filter(pl.col("partition_date").cast(pl.String) == "2024-01-03")["writer"]
    assert writers.to_list() == [last] * 3


def fan_out_runs(project: Path) -> list[int]:
    """The processes of fanned-out runs still alive in `project`."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "orchestration.runner import main" in command and (
                os.readlink(entry / "cwd") == str(project)
            ):
                found.append(int(entry.name))
    return found


def test_ctrl_c_stops_every_run_of_a_fan_out_and_leaves_the_tables_whole(project):
    env = {**project_env(project), "POLSTER_DATA_DIR": "data-interrupted"}
    command = [PYTHON, "run_polster.py", "--partition-range", RANGE, "--fan-out", "3"]
    parent = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    assert parent.stdout.readline().startswith("Fan-out: 3 runs at once")
    deadline = time.monotonic() + 60
    while len(fan_out_runs(project)) < 3:  # every run started
        assert time.monotonic() < deadline
        time.sleep(0.2)
    parent.send_signal(signal.SIGINT)  # what Ctrl-C sends (to this process only: a test)
    stdout, stderr = parent.communicate(timeout=120)

    assert parent.returncode == 130, (stdout, stderr)
    assert "Interrupted: published" in stderr, stderr
    assert "Traceback" not in stderr
    assert fan_out_runs(project) == []  # none left running
    for key in ("bronze_events", "silver_events"):  # whatever was published is whole
        if table_path(project, key, "data-interrupted").exists():
            table = asset_table(project, key, "data-interrupted")
            assert set(table.group_by("partition_date").len()["len"]) <= {3}
