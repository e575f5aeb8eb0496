"""The `polster` command on a project of its own: the same rules as the Dagster side."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import run
from polster.contract.errors import PolsterError
from polster.orchestration import build_definitions, runner
from polster.tooling.assets import plan_new_asset
from polster.tooling.project import load_project
from polster.tooling.source_templates import landing_folder

PARTITIONED_BRONZE = '''"""Visits, one day at a time."""

from datetime import date

import polars as pl

PARTITIONS = "daily"
PARTITIONS_START = "2024-01-01"


def extract(partition: date) -> pl.DataFrame:
    """The visits of one day."""
    return pl.DataFrame({"visits": [3], "day": [partition]})
'''


def polster(project: Path, *args: str) -> str:
    """`python -m polster ...` in the project's folder, as a user runs it; its output."""
    result = run([sys.executable, "-m", "polster", *args], project)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_partitioned_bronze_asset_has_no_upstream_anywhere(project):
    """`partition` is the partition being written, never an upstream (it was one for the
    command-line tooling, which parses modules instead of importing them)."""
    (project / "src/core/bronze_visits.py").write_text(PARTITIONED_BRONZE)
    wrapper = (
        "from polster.orchestration import medallion_asset\n\nfrom core import bronze_visits\n"
    )
    wrapper += "\nasset = medallion_asset(bronze_visits.extract)\n"
    (project / "src/orchestration/assets/bronze/run_bronze_visits.py").write_text(wrapper)
    readme = project / "README.md"
    readme.write_text("# Sample\n")

    assert "OK: 4 asset(s)" in polster(project, "validate")
    listing = json.loads(polster(project, "list-assets", "--format", "json"))
    listed = {asset["key"]: asset for asset in listing["assets"]}
    assert listed["bronze_visits"]["dependencies"] == []
    graph = polster(project, "graph")
    assert "bronze_visits" in graph
    assert "partition" not in graph


def test_a_file_source_named_by_its_path_gets_its_folder_and_is_read(project):
    """`--source landing/budget/budget.xlsx` names one file: its folder is made (not a folder
    named budget.xlsx, where the file could not go), and the module reads that file."""
    created = polster(
        project,
        "add-asset",
        "--layer",
        "bronze",
        "--name",
        "budget",
        "--template",
        "excel",
        "--source",
        "landing/budget/budget.xlsx",
        "--sheet",
        "Q4",
    )
    assert "Next: put the file at landing/budget/budget.xlsx" in created
    workbook = project / "landing/budget/budget.xlsx"
    assert workbook.parent.is_dir()
    assert not workbook.exists()

    pl.DataFrame({"id": [1, 2], "amount": [9.5, 12.0]}).write_excel(workbook, worksheet="Q4")
    result = run([sys.executable, "src/core/bronze_budget.py"], project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rows" in result.stdout


def test_the_landing_folder_of_a_source_is_the_part_before_its_first_wildcard():
    assert landing_folder("landing/budget/budget.xlsx") == "landing/budget"
    assert landing_folder("landing/orders/*.csv") == "landing/orders"
    assert landing_folder("landing/orders/2024-*.csv") == "landing/orders"
    assert landing_folder("landing/orders/**/*.csv") == "landing/orders"
    assert landing_folder("budget.xlsx") is None
    assert landing_folder("abfss://raw@account.dfs.core.windows.net/orders/*.csv") is None


def test_a_misspelt_asset_is_told_the_nearest_one(sample_project):
    project = load_project(sample_project)

    with pytest.raises(
        PolsterError, match=r"no asset 'silver_ordrs' \(did you mean silver_orders\?"
    ):
        project.resolve("silver_ordrs")
    with pytest.raises(PolsterError, match=r"no asset 'revnue' \(did you mean gold_revenue\?"):
        project.resolve("revnue")


def test_a_bare_name_in_gold_dependencies_is_the_silver_asset(sample_project):
    """bronze_orders and silver_orders share the name orders; gold can only mean silver's."""
    plan = plan_new_asset(load_project(sample_project), "gold", "orders_by_country", ["orders"])

    assert plan.upstreams == ("silver_orders",)


def test_run_polster_tells_the_nearest_asset_to_a_misspelt_one(store):
    definitions = build_definitions(store)

    with pytest.raises(
        PolsterError, match=r"unknown asset silver_ordrs \(did you mean silver_orders\?\)"
    ):
        runner.materialize(definitions, None, ["silver_ordrs"], "in_process")


# What `dg scaffold defs dagster.asset bronze/raw_things.py` writes (Dagster 1.13).
SCAFFOLDED_ASSET = """import dagster as dg


@dg.asset
def raw_things(context: dg.AssetExecutionContext) -> dg.MaterializeResult: ...
"""


def refusals(result) -> list[str]:
    """The problems `polster validate` listed, after it exited 1."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return [line.strip() for line in result.stdout.splitlines() if line.startswith("  ")]


def test_validate_names_every_file_python_cannot_parse_and_the_run_names_the_same(project):
    """A helper module of src/core and the project's definitions.py are Polster's files too:
    the run imports them (a raw SyntaxError traceback before), so validate parses them."""
    (project / "src/core/helpers.py").write_text("def share(:\n    pass\n")
    definitions = project / "src/orchestration/definitions.py"
    definitions.write_text(definitions.read_text() + "\nif True\n")
    problems = refusals(run([sys.executable, "-m", "polster", "validate"], project))
    fix = "Python cannot parse it: invalid syntax. Fix: correct the code on that line."
    assert problems == [
        f"src/core/helpers.py:1: {fix}",
        f"src/orchestration/definitions.py:{len(definitions.read_text().splitlines())}: "
        + fix.replace("invalid syntax", "expected ':'"),
    ]

    silver = project / "src/core/silver_orders.py"
    silver.write_text(
        silver.read_text().replace(
            "import polars as pl\n",
            "import polars as pl\nfrom core import helpers  # noqa: F401\n",
            1,
        )
    )
    for flags in ([], ["--status"]):
        result = run([sys.executable, "run_polster.py", *flags], project)
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
    pipeline = run([sys.executable, "run_polster.py"], project)
    assert pipeline.returncode == 1
    assert pipeline.stderr.splitlines() == [
        "error: the definitions do not load: src/core/helpers.py:1: SyntaxError: invalid syntax. "
        "`polster validate` names the file to fix; --verbose shows the traceback"
    ]


def test_an_asset_dg_scaffolded_in_a_layer_folder_is_named_by_its_file_and_folder(project):
    scaffolded = project / "src/orchestration/assets/bronze/raw_things.py"
    scaffolded.write_text(SCAFFOLDED_ASSET)

    problems = refusals(run([sys.executable, "-m", "polster", "validate"], project))
    assert problems == [
        "src/orchestration/assets/bronze/raw_things.py:4: the asset key raw_things does not "
        "start with a layer (bronze, silver, gold). Fix: rename it to bronze_raw_things, "
        "the layer of its folder."
    ]
    pipeline = run([sys.executable, "run_polster.py"], project)
    assert pipeline.returncode == 1
    assert "Traceback" not in pipeline.stderr
    assert (
        "raw_things: the key does not start with a layer (bronze, silver, gold), in "
        "src/orchestration/assets/bronze/raw_things.py:4. "
        "Fix: rename it to bronze_raw_things, the layer of its folder."
    ) in pipeline.stderr
