"""The runner behind run_polster.py: its choices, and what a user sees when it runs."""

import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import run
from polster.contract.partitions import Partitioning
from polster.orchestration import runner
from polster.orchestration.run_plan import PartitionError, plan_runs


@pytest.mark.parametrize(
    ("keys", "cpus", "expected"),
    [
        (["bronze_example", "silver_example", "gold_example"], 8, "in_process"),
        (["bronze_example", "bronze_orders", "silver_example"], 8, "multiprocess"),
        (["bronze_example", "bronze_orders"], 1, "in_process"),
    ],
)
def test_auto_runs_parallel_layers_in_several_processes(monkeypatch, keys, cpus, expected):
    monkeypatch.setattr(runner.os, "cpu_count", lambda: cpus)

    assert runner.choose_executor(keys) == expected


def test_asset_takes_several_keys_separated_by_commas():
    """`make run ASSET=a,b` passes one --asset: daily and monthly backfills name several."""
    args = runner.parse_args(["--asset", "bronze_visits, silver_visits", "--asset", "gold_x"])
    assert args.asset == ["bronze_visits", "silver_visits", "gold_x"]
    assert runner.parse_args([]).asset == []


# Dagster's first telemetry call in a new DAGSTER_HOME (what a first materialization makes).
FIRST_DAGSTER_RUN = """
from dagster import DagsterInstance
from dagster._core.telemetry import log_action
from polster.orchestration.runner import use_project_dagster_home

use_project_dagster_home()
log_action(DagsterInstance.get(), "first_run")
"""


def test_a_new_project_runs_without_dagsters_telemetry_banner(project):
    result = run([sys.executable, "-c", FIRST_DAGSTER_RUN], project)

    assert result.returncode == 0, result.stderr
    assert "Telemetry" not in result.stderr, result.stderr
    assert not (project / ".dagster" / ".telemetry").exists()


def test_a_partition_refusal_names_make_variables_under_make(monkeypatch):
    """Under `make run PARTITION_RANGE=...` the fix reads `ASSET=`, not `--asset`."""
    kinds = {
        "bronze_days": Partitioning("daily", date(2024, 1, 1)),
        "gold_months": Partitioning("monthly", date(2024, 1, 1)),
    }
    known = list(kinds)
    for via_make, expected in (("1", "PARTITION_RANGE=: "), ("0", "--partition-range: ")):
        monkeypatch.setenv("POLSTER_VIA_MAKE", via_make)
        with pytest.raises(PartitionError) as refused:
            plan_runs(known, [], kinds, partition_range="2024-01-01...2024-02-29")
        message = str(refused.value)
        assert message.startswith(expected), message
        assert message.endswith("ASSET=" if via_make == "1" else "--asset"), message


def test_the_ui_starts_after_a_failed_run_and_says_in_one_line_what_failed(project):
    """`make ui` is for looking at the pipeline: a run that fails before it (a blocking
    check, say) is one warning line, and the UI, which shows that run, starts anyway."""
    gold = project / "src/core/gold_revenue.py"
    gold.write_text(gold.read_text().replace("min_rows(1)", "min_rows(1_000)"))
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POLSTER_")}
    environment.pop("DAGSTER_HOME", None)
    command = [sys.executable, "run_polster.py", "--ui", "--port", str(port)]
    ui = subprocess.Popen(
        command,
        cwd=project,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        lines = []
        for line in ui.stdout:  # up to the line printed as `dagster dev` starts
            lines.append(line)
            if line.startswith("Dagster UI on"):
                break
    finally:
        os.killpg(ui.pid, signal.SIGINT)
        try:
            _, errors = ui.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(ui.pid, signal.SIGKILL)
            _, errors = ui.communicate()
    assert lines[-1] == f"Dagster UI on http://127.0.0.1:{port} " + (
        "(schedules and sensors running; Ctrl-C to stop)\n"
    ), "".join(lines) + errors
    assert any(" FAILED in " in line for line in lines), "".join(lines)
    (warning,) = [line for line in errors.splitlines() if line.startswith("warning:")]
    assert "the run failed: gold_revenue was not published" in warning, warning
    assert "the UI shows it" in warning, warning
    assert "error:" not in errors, errors


MONTHLY_FROM_THIS_MONTH = '''
"""Visits, one month at a time."""

from datetime import date

import polars as pl

PARTITIONS = "monthly"
PARTITIONS_START = "{start}"


def extract(partition: date) -> pl.DataFrame:
    return pl.DataFrame({{"visits": [1, 2, 3]}})
'''


def test_a_run_skips_an_asset_whose_first_partition_is_not_complete_yet(project):
    """A monthly asset added this month, from this month: its first partition is complete
    on the 1st of next month. Until then a run skips it in one line and runs the rest."""
    this_month = datetime.now(UTC).date().replace(day=1)
    module = project / "src/core/bronze_visits.py"
    module.write_text(MONTHLY_FROM_THIS_MONTH.format(start=this_month.isoformat()))
    (project / "src/orchestration/assets/bronze/run_bronze_visits.py").write_text(
        "from core import bronze_visits\nfrom polster.orchestration import medallion_asset\n\n"
        "asset = medallion_asset(bronze_visits.extract)\n"
    )

    result = run([sys.executable, "run_polster.py"], project)

    assert result.returncode == 0, result.stdout + result.stderr
    next_month = (this_month.replace(day=28) + timedelta(days=4)).replace(day=1)
    assert (
        f"Skipped bronze_visits: its first partition (monthly from {this_month}) is complete "
        f"on {next_month}; it runs from then on"
    ) in result.stdout, result.stdout
    assert "Invariant" not in result.stdout + result.stderr
    assert " succeeded in " in result.stdout, result.stdout


# What each run_polster.py does first: open the project's Dagster instance.
OPEN_INSTANCE = """
from polster.orchestration.runner import open_instance, use_project_dagster_home

with open_instance(use_project_dagster_home()) as instance:
    instance.get_runs(limit=1)
"""


def test_first_runs_at_once_in_a_new_project_create_dagsters_storage_once(project):
    """Three first runs at once each need Dagster's SQLite tables: one process creates them,
    the others wait; none dies of SQLAlchemy's `table runs already exists` (four
    `run_polster.py --status` at once did, in two rounds out of three)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POLSTER_")}
    environment.pop("DAGSTER_HOME", None)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_INSTANCE],
            cwd=project,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    for opened in runs:
        output = opened.communicate()[0]
        assert opened.returncode == 0, output
        assert "Traceback" not in output, output


# A run record made as run_polster.py makes it, then the process is killed before it starts.
KILLED_BEFORE_START = """
import os, signal, socket
import dagster as dg
from polster.orchestration.runner import polster_job, use_project_dagster_home
from polster.orchestration.tags import HOST_TAG, PID_TAG

use_project_dagster_home()
instance = dg.DagsterInstance.get()
tags = {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}
instance.create_run_for_job(job_def=polster_job(), tags=tags)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_run_killed_before_it_started_is_shown_as_never_started(project):
    killed = run([sys.executable, "-c", KILLED_BEFORE_START], project)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    status = run([sys.executable, "run_polster.py", "--status"], project)

    assert status.returncode == 0, status.stderr
    assert "1970" not in status.stdout, status.stdout
    assert "never started (killed?)" in status.stdout, status.stdout
    assert "NOT_STARTED" not in status.stdout, status.stdout
    again = run([sys.executable, "run_polster.py", "--status"], project)  # without Dagster
    assert "1970" not in again.stdout, again.stdout
    assert "never started (killed?)" in again.stdout, again.stdout


def test_a_lost_connection_says_what_to_check(sample_project):
    """ADLS gone mid-run ended in `[Errno 111] Connect call failed ...` without a hint: a
    real refused connection (a closed port), as Dagster records it, gets one."""
    import asyncio

    from dagster._utils.error import serializable_error_info_from_exc_info

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        asyncio.run(asyncio.open_connection("127.0.0.1", port))
    except OSError:
        error = serializable_error_info_from_exc_info(sys.exc_info())

    cause = runner.root_cause(error)

    assert "Connect call failed" in cause, cause
    assert "the storage could not be reached" in cause, cause
    assert "ADLS_FALLBACK_TO_LOCAL=true" in cause, cause


def test_a_lost_connection_the_store_explained_gets_no_second_hint(sample_project):
    """The store's own line (`could not write X at abfss://... (...): check ...`) already
    says what to check; the runner's hint is for errors that reach it bare."""
    from dagster._utils.error import serializable_error_info_from_exc_info
    from polster.core.storage import StorageError

    store_line = (
        "could not write bronze_example at abfss://lake@acct.dfs.core.windows.net/bronze "
        "(Connection refused): check ADLS_ACCOUNT_NAME, ADLS_CONTAINER, ADLS_ENDPOINT, the "
        "network and ADLS_ACCOUNT_KEY, or set ADLS_FALLBACK_TO_LOCAL=true to write locally"
    )
    try:
        raise StorageError(store_line)
    except StorageError:
        error = serializable_error_info_from_exc_info(sys.exc_info())

    cause = runner.root_cause(error)

    assert cause.startswith(store_line), cause
    assert cause.count("ADLS_FALLBACK_TO_LOCAL") == 1, cause
    assert "the storage could not be reached" not in cause, cause
