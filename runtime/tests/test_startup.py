"""What each command loads before it answers: the commands that only read load no Dagster
(and list-assets and graph not even Polars); the run's instance writes what Dagster reads."""

import ast
import json
import sys
from pathlib import Path

import pytest
from conftest import run
from polster.orchestration.status import failed_partitions, literal_partitions
from polster.tooling.validate import STEPS

# Prints the heavy modules a command loaded (`python -c` runs it in the sample project).
LOADED = """
import json, sys
from polster.tooling.cli import main
main(sys.argv[1:])
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"dagster", "polars", "numpy"})))
"""


@pytest.mark.parametrize(
    "command", [["list-assets"], ["list-assets", "--format", "json"], ["graph"]]
)
def test_list_assets_and_graph_load_neither_dagster_nor_polars(project, command):
    result = run([sys.executable, "-c", LOADED, *command], project)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


VALIDATE_STEPS = """
import json, sys
from polster.core.paths import project_root
from polster.tooling.project import load_project
from polster.tooling.validate import checked_steps

steps = checked_steps(load_project(project_root()))
print(json.dumps([(*next(steps), "dagster" in sys.modules) for _ in range(2)]))
"""


def test_validate_loads_dagster_only_in_its_last_named_step(project):
    result = run([sys.executable, "-c", VALIDATE_STEPS], project)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[step, [], False] for step in STEPS[:2]]
    assert "dg check defs" in STEPS[2]


@pytest.fixture(scope="module")
def dagster_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Dagster home with four runs of a daily asset, written through run_polster.py's
    storage: 01 succeeds, 02 fails, 03 fails and then succeeds."""
    home = tmp_path_factory.mktemp("dagster home")
    script = home.parent / "runs.py"
    script.write_text(RUNS)
    result = run([sys.executable, str(script), str(home)], home.parent)
    assert result.returncode == 0, result.stderr
    return home


RUNS = """
import sys
from pathlib import Path

import dagster as dg
from polster.orchestration.sqlite_history import open_project_instance

FAILING = {"2024-01-02", "2024-01-03"}
attempts = []


@dg.asset(partitions_def=dg.DailyPartitionsDefinition(start_date="2024-01-01"))
def bronze_x(context: dg.AssetExecutionContext) -> None:
    attempts.append(context.partition_key)
    if context.partition_key in FAILING and attempts.count(context.partition_key) == 1:
        raise ValueError("no file")


with open_project_instance(Path(sys.argv[1])) as instance:
    for day in ("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-03"):
        dg.materialize([bronze_x], partition_key=day, instance=instance, raise_on_error=False)
"""


def test_status_of_a_partitioned_project_loads_no_dagster_nor_its_modules(project, dagster_home):
    """Its partitions are read from the core module's text, its failed partitions from
    Dagster's databases."""
    core = project / "src" / "core" / "bronze_orders.py"
    core.write_text(core.read_text() + '\nPARTITIONS = "daily"\nPARTITIONS_START = "2024-01-01"\n')

    status = run(
        [sys.executable, "-X", "importtime", "run_polster.py", "--status"],
        project,
        DAGSTER_HOME=str(dagster_home),
    )

    assert status.returncode == 0, status.stderr
    lines = {line.split()[0]: line for line in status.stdout.splitlines() if line}
    assert "missing" in lines["bronze_orders"]  # its partitions, from 2024-01-01
    assert lines["Last"].endswith(": SUCCESS")
    imported = {line.rpartition("|")[2].strip() for line in status.stderr.splitlines()}
    assert not imported & {"dagster", "core.bronze_orders", "core.silver_orders"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('PARTITIONS = "daily"\nPARTITIONS_START = "2024-01-01"\n', ("daily", "2024-01-01")),
        ('"""No partitions."""\nimport polars as pl\n', (None, None)),
        # Anything but a plain top-level value: only importing the module tells.
        ('PARTITIONS = "da" + "ily"\n', None),
        ('PARTITIONS = "daily"\nif True:\n    PARTITIONS = "weekly"\n', None),
        ("from settings import PARTITIONS\n", None),
        ("from settings import *\n", None),
        ('def f():\n    global PARTITIONS\n    PARTITIONS = "monthly"\n', None),
    ],
)
def test_partitions_are_read_from_the_text_only_when_it_says_them_plainly(
    tmp_path, source, expected
):
    module = tmp_path / "bronze_x.py"
    module.write_text(source)
    ast.parse(source)  # each case is valid Python

    found = literal_partitions(module)

    if expected is None:
        assert found is None
    else:
        assert (found.get("PARTITIONS"), found.get("PARTITIONS_START")) == expected


def test_failed_partitions_read_without_dagster_are_those_dagster_shows(dagster_home):
    """Runs written through the run's kept-open storage; Dagster's own classes read them."""
    import dagster as dg

    ours = failed_partitions(dagster_home / "history", ["bronze_x"])

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:  # as the UI opens it
        assert len(instance.get_runs()) == 4
        definition = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-01-04")
        statuses = instance.get_status_by_partition(
            dg.AssetKey("bronze_x"), definition.get_partition_keys(), definition
        )
    by_status = {
        status: {key for key, found in statuses.items() if found == status}
        for status in (dg.AssetPartitionStatus.FAILED, dg.AssetPartitionStatus.MATERIALIZED)
    }
    assert ours == {"bronze_x": {"2024-01-02"}}
    assert by_status[dg.AssetPartitionStatus.FAILED] == {"2024-01-02"}
    assert by_status[dg.AssetPartitionStatus.MATERIALIZED] == {"2024-01-01", "2024-01-03"}
