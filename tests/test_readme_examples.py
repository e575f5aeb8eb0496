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
    store = TableStore(root=str(project / "data"), state_dir=project / ".polster")
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
