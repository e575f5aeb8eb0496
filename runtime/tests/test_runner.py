"""The runner behind run_polster.py: its choices, without running Dagster."""

import sys
from datetime import date

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
