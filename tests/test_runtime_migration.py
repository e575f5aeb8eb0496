"""A project rendered at template 10ca1c8 (machinery copied into `src/`) moves to the
runtime package with `make update`, its work and its tables' history intact.

The template's history is real: 10ca1c8 is tagged 0.2.0 in a copy of this repository and
this working tree 0.3.0, so Copier renders the old version from its own files, and
`make update` runs the old project's own update command, as a user's would.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from deltalake import DeltaTable

from bench.project import snapshot_template
from tests.conftest import (
    PYTHON,
    REPO,
    assert_generated_suite_passed,
    edit,
    git,
    make,
    project_env,
    render_project,
    run,
)

# One worker builds the updated project once for both tests.
pytestmark = pytest.mark.xdist_group("runtime_migration")
OLD_COMMIT = "10ca1c8"
OLD, NEW = "0.2.0", "0.3.0"
LANDED = "id,name,amount\n1,Ann,10\n2,Bob,20\n"


def archive_of(commit: str) -> bytes:
    """The files of this repository at `commit` (a tar archive)."""
    found = subprocess.run(
        ["git", "cat-file", "-e", f"{commit}^{{commit}}"], cwd=REPO, capture_output=True
    )
    if found.returncode != 0:
        pytest.fail(
            f"commit {commit} is not in this clone's history: fetch the whole history "
            "(git fetch --unshallow) to test the update from it"
        )
    return subprocess.run(
        ["git", "archive", "--format=tar", commit], cwd=REPO, capture_output=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template at 10ca1c8 (tag 0.2.0), then as in this working tree (tag 0.3.0)."""
    src = snapshot_template(tmp_path_factory.mktemp("releases") / "template")
    new_tree = src.parent / "new"
    shutil.copytree(src, new_tree, ignore=shutil.ignore_patterns(".git"))
    for path in src.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    with tarfile.open(fileobj=io.BytesIO(archive_of(OLD_COMMIT))) as archive:
        archive.extractall(src, filter="data")
    git("add", "--all", cwd=src)
    git("commit", "--quiet", "-m", f"Polster at {OLD_COMMIT}", cwd=src)
    git("tag", OLD, cwd=src)
    for path in src.iterdir():
        if path.name != ".git":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    shutil.copytree(new_tree, src, dirs_exist_ok=True)
    git("add", "--all", cwd=src)
    git("commit", "--quiet", "-m", "Polster with its runtime package", cwd=src)
    git("tag", NEW, cwd=src)
    return src


def old_polster(project: Path, *args: str) -> None:
    """The old project's own `polster` command (its src/polster)."""
    run([PYTHON, "-m", "polster", *args], project, env=project_env(project))


def versions(table: Path) -> int:
    return len(DeltaTable(str(table)).history())


@pytest.fixture(scope="module")
def updated(releases: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A 10ca1c8 project with the user's work, run once, then updated to the runtime."""
    project = render_project(
        releases, tmp_path_factory.mktemp("old") / "shop pipeline", vcs_ref=OLD
    )
    git("init", "--quiet", "--initial-branch=main", cwd=project)
    # The user's work: a plain asset, a partitioned one, a landing-folder source, an edit
    # to an example and one to a machinery file, a README section of their own.
    old_polster(project, "add-asset", "--layer", "silver", "--name", "clean_customers",
                "--dependencies", "bronze_example")  # fmt: skip
    old_polster(project, "add-asset", "--layer", "bronze", "--name", "visits",
                "--partitions", "daily", "--start", "2024-01-01")  # fmt: skip
    old_polster(project, "add-asset", "--layer", "bronze", "--name", "sales",
                "--template", "csv", "--source", "landing/sales/*.csv")  # fmt: skip
    (project / "landing" / "sales").mkdir(parents=True, exist_ok=True)
    (project / "landing" / "sales" / "day1.csv").write_text(LANDED)
    edit(
        project / "src/core/silver_example.py",
        '    "quantity below 1": pl.col("quantity") < 1,\n',
        '    "quantity below 1": pl.col("quantity") < 1,\n'
        '    "quantity above 100": pl.col("quantity") > 100,  # the shop\'s limit\n',
    )
    edit(project / "src/core/storage.py", '"""The only code', '"""Our notes: the only code')
    edit(
        project / "README.md",
        "\n## Quick start\n",
        "\n## Our data\n\nOrders come from the shop's nightly export.\n\n## Quick start\n",
    )
    run([PYTHON, "run_polster.py"], project, env=project_env(project))
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", "Our pipeline", cwd=project)
    tables = {
        key: versions(project / "data" / key.replace("_", "/", 1))
        for key in ("bronze_example", "silver_example", "gold_example", "bronze_sales")
    }
    runs_before = len(list((project / ".dagster").rglob("*.db")))

    result = make(project, "update")
    return {"project": project, "result": result, "tables": tables, "runs": runs_before}


def test_the_update_moves_the_machinery_out_and_keeps_the_users_work(updated):
    project, output = updated["project"], updated["result"].stdout
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())

    assert f"{OLD} -> {NEW}" in output
    assert answers["_commit"] == NEW
    # The machinery the user never touched is gone; what they changed is kept and named.
    assert not (project / "src/medallion").exists()
    assert not (project / "src/core/settings.py").exists()
    assert not (project / "src/orchestration/asset_factory.py").exists()
    assert not list((project / "src/polster").rglob("*.py"))
    assert "kept src/core/storage.py: you had changed it" in output
    assert (project / "src/core/storage.py").read_text().startswith('"""Our notes')
    # The user's assets, edits, tests and README sections are all there...
    for path in (
        "src/core/silver_clean_customers.py",
        "src/core/bronze_visits.py",
        "src/core/bronze_sales.py",
        "src/orchestration/assets/silver/run_silver_clean_customers.py",
        "tests/assets/test_bronze_sales.py",
    ):
        assert (project / path).is_file(), path
    assert "quantity above 100" in (project / "src/core/silver_example.py").read_text()
    assert "Orders come from the shop's nightly export." in (project / "README.md").read_text()
    # ...importing the runtime's public API.
    customers = (project / "src/core/silver_clean_customers.py").read_text()
    assert "from polster import main" in customers
    wrapper = (project / "src/orchestration/assets/bronze/run_bronze_sales.py").read_text()
    assert "from polster.orchestration import medallion_asset" in wrapper
    sales = (project / "src/core/bronze_sales.py").read_text()
    assert "from polster import CsvReader, Landing" in sales
    pyproject = (project / "pyproject.toml").read_text()
    assert 'subdirectory = "runtime"' in pyproject
    assert "[tool.polster]" in pyproject


def test_the_updated_project_validates_tests_and_continues_its_tables(updated):
    project, tables = updated["project"], updated["tables"]
    make(project, "lint")
    assert "OK: 6 asset(s)" in make(project, "validate").stdout
    assert_generated_suite_passed(make(project, "test").stdout)

    make(project, "run")

    for key, before in tables.items():
        table = project / "data" / key.replace("_", "/", 1)
        assert versions(table) >= before, key
    # Each table's history goes on from where it was: a new version on top of the old ones.
    assert versions(project / "data/gold/example") == tables["gold_example"] + 1
    status = run([PYTHON, "run_polster.py", "--status"], project, env=project_env(project))
    assert "gold_example" in status.stdout
