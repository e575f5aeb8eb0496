"""The Python examples of the generated README, run as a user runs them.

No rendering: each example is taken from template/README.md.jinja as the user reads it and
run in a copy of the runtime's sample project (a real `[tool.polster]` project) under
folders whose names have a space, with real Delta tables.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polster.contract.quality import evaluate
from polster.core.paths import use_project_root
from polster.core.storage import TableStore

from tests.conftest import REPO

README = REPO / "template" / "README.md.jinja"
SAMPLE_PROJECT = REPO / "runtime" / "tests" / "sample_project"
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def examples(heading: str) -> list[str]:
    """The Python blocks of the README section (any level) titled `heading`."""
    text = README.read_text()
    match = re.search(rf"\n(#+) {re.escape(heading)}\n", text)
    assert match, f"the README has no section {heading!r}"
    level = len(match.group(1))
    section = re.split(rf"\n#{{1,{level}}} ", text[match.end() :], maxsplit=1)[0]
    blocks = PYTHON_BLOCK.findall(section)
    assert blocks, f"the README's {heading!r} section has no Python example"
    assert not any("{{" in block or "{%" in block for block in blocks), "Jinja in an example"
    return blocks


def python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`code` run by this environment's Python (where polster is installed), as a script."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLSTER_", "DAGSTER_"))}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, env=env
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    destination = tmp_path / "Jane Doe" / "my project"
    shutil.copytree(SAMPLE_PROJECT, destination, ignore=shutil.ignore_patterns("data"))
    return destination


def test_reading_tables_from_a_notebook_folder(project):
    """The Polars and the DuckDB example, from a notebook's folder inside the project."""
    store = TableStore(root=str(project / "data"))
    orders = pl.DataFrame({"order_id": ["A", "B", "C"], "country": ["DE", "US", "DE"]})
    store.write("silver_example", orders)
    store.write("silver_example__rejected", pl.DataFrame({"rejected_reason": ["no price"]}))
    store.write("gold_example", pl.DataFrame({"country": ["DE"], "revenue": [1.0]}))
    store.write("gold_example", pl.DataFrame({"country": ["DE", "US"], "revenue": [4.0, 2.5]}))
    notebooks = project / "notebooks"
    notebooks.mkdir()

    polars_example, duckdb_example = examples("Reading tables in a notebook or script")
    result = python(polars_example + duckdb_example, notebooks)

    assert result.returncode == 0, result.stderr
    assert re.search(r"│ DE\s+┆ 2 ", result.stdout), result.stdout  # pl.sql: orders per country
    assert "no price" in result.stdout  # the rejected rows
    assert re.search(r"│ US\s+│\s+2.5", result.stdout), result.stdout  # duckdb: revenue


def run_example(block: str) -> dict[str, object]:
    """A README block run as a module's code in this process: its names."""
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(block, "README example", "exec"), namespace)
    return namespace


def test_typed_csv_reading(project):
    (csv_example,) = examples("Sources")
    landing = project / "landing" / "penguins"
    landing.mkdir(parents=True)
    (landing / "2024-01-01.csv").write_text("id,body_mass_g\n1,3750\n2,NA\n")
    use_project_root(project)
    try:
        frame = run_example(csv_example)["SOURCE"].lazy().collect()
    finally:
        use_project_root(None)
    assert frame.select("id", "body_mass_g").rows() == [("1", 3750), ("2", None)]


def test_a_partitioned_bronze_reads_the_file_landed_for_its_day(project):
    (module,) = [block for block in examples("Incremental pipelines") if "def extract" in block]
    (project / "src" / "core" / "bronze_weather.py").write_text(module)
    landing = project / "landing" / "weather"
    landing.mkdir(parents=True)
    (landing / "2024-01-03.csv").write_text("city,temp_max\nSeattle,12.8\nBoston,NA\n")

    def standalone(day: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "src/core/bronze_weather.py", "--partition", day],
            cwd=project,
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("POLSTER_")},
        )

    written = standalone("2024-01-03")
    missing = standalone("2024-01-04")

    assert written.returncode == 0, written.stdout + written.stderr
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"error: no file for 2024-01-04: land it as {landing / '2024-01-04.csv'}"
    )
    store = TableStore(root=str(project / "data"))
    table = store.read("bronze_weather").collect()
    assert table.select("city", "temp_max").rows() == [("Seattle", "12.8"), ("Boston", None)]
    assert table["partition_date"].cast(pl.String).unique().to_list() == ["2024-01-03"]


def test_quarantine_and_in_range(project):
    (quarantine_example,) = [block for block in examples("Data quality") if "quarantine(" in block]
    names = run_example(quarantine_example)
    bronze = pl.LazyFrame(
        {
            "id": ["1", "2", "2", "3", "4"],
            "species": ["Adelie", "Gentoo", "Gentoo", "Chinstrap", "Adelie"],
            "body_mass_g": ["3750", "5000", "5000", "NA", "80000"],
        }
    )

    result = names["transform"](bronze)

    kept = result.kept.collect().sort("id")
    rejected = result.rejected.collect().sort("id")
    assert kept["id"].to_list() == ["1", "2"]
    assert rejected.select("id", "rejected_reason").rows() == [
        ("2", "repeated id"),
        ("3", "no body mass"),
        ("4", "not a penguin's mass"),
    ]
    # The checks pass on the kept rows, and in_range's bounds are the ones documented.
    assert all(outcome.passed for outcome in evaluate(result.kept, names["CHECKS"]))
    everything = pl.concat([result.kept, result.rejected.drop("rejected_reason")])
    failing = {o.check.name: o.failing_rows for o in evaluate(everything, names["CHECKS"])}
    assert failing == {"species_body_mass_g_not_null": 1, "body_mass_g_in_range": 1}
