"""The `polster` command on a project of its own: the same rules as the Dagster side."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conftest import run

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
