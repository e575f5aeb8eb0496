"""The bundled `polster` commands (and their make targets) in a rendered project."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from subprocess import DEVNULL

import polars as pl
import pytest

from tests.conftest import (
    PYTHON,
    assert_generated_suite_passed,
    git,
    make,
    polster,
    project_env,
    run,
)


@pytest.fixture
def project(render) -> Path:
    """A rendered project with the examples, committed, so `git status` shows any change."""
    return render(init_git=True)


def assert_unchanged(project: Path) -> None:
    assert git("status", "--porcelain", "--untracked-files=all", cwd=project) == ""


def test_grow_the_pipeline_run_it_and_test_it(project):
    make(project, "add-asset", LAYER="bronze", NAME="ingest_sales")
    make(project, "add-asset", LAYER="silver", NAME="clean_sales", DEPS="ingest_sales")
    make(
        project,
        "add-asset",
        LAYER="gold",
        NAME="sales_metrics",
        DEPS="silver_clean_sales,silver_example",
        DESCRIPTION="Rows per upstream",
    )

    make(project, "lint")
    make(project, "run")
    tests = make(project, "test")
    assert_generated_suite_passed(tests.stdout)
    metrics = pl.read_delta(str(project / "data" / "gold" / "sales_metrics"))
    assert metrics.to_dicts() == [{"upstream_rows": 3 + 945}]
    assert "bronze_ingest_sales --> silver_clean_sales" in (project / "README.md").read_text()


def test_list_assets_as_json_shows_the_graph(project):
    polster(project, "add-asset", "--layer", "bronze", "--name", "orders")
    listing = json.loads(polster(project, "list-assets", "--format", "json").stdout)

    by_key = {asset["key"]: asset for asset in listing["assets"]}
    assert list(by_key) == ["bronze_example", "bronze_orders", "silver_example", "gold_example"]
    assert by_key["silver_example"] == {
        "key": "silver_example",
        "layer": "silver",
        "name": "example",
        "dependencies": ["bronze_example"],
        "dependents": ["gold_example"],
        "core_module": "src/core/silver_example.py",
        "wrapper": "src/orchestration/assets/silver/run_silver_example.py",
    }
    bronze_only = json.loads(
        polster(project, "list-assets", "--layer", "bronze", "--format", "json").stdout
    )
    assert [asset["key"] for asset in bronze_only["assets"]] == ["bronze_example", "bronze_orders"]
    table = make(project, "list-assets").stdout.splitlines()
    assert table[0].split() == ["layer", "asset", "depends", "on", "used", "by", "files"]
    (silver_row,) = [row.split() for row in table if row.startswith("silver")]
    assert silver_row[:4] == ["silver", "silver_example", "bronze_example", "gold_example"]


BAD_ADDITIONS = {
    "empty name": (["--layer", "bronze", "--name", ""], "the name is empty"),
    "uppercase": (["--layer", "bronze", "--name", "Orders"], "must start with a lowercase"),
    "leading digit": (["--layer", "bronze", "--name", "1orders"], "must start with a lowercase"),
    "space": (["--layer", "bronze", "--name", "my orders"], "must start with a lowercase"),
    "hyphen": (["--layer", "bronze", "--name", "my-orders"], "must start with a lowercase"),
    "path separator": (["--layer", "bronze", "--name", "a/b"], "must start with a lowercase"),
    "dot dot": (["--layer", "bronze", "--name", ".."], "must start with a lowercase"),
    "keyword": (["--layer", "bronze", "--name", "class"], "is a Python keyword"),
    "too long": (["--layer", "bronze", "--name", "x" * 49], "longer than 48 characters"),
    "existing": (["--layer", "bronze", "--name", "example"], "bronze_example already exists"),
    "unknown layer": (["--layer", "platinum", "--name", "x"], "unknown layer 'platinum'"),
    "unknown dependency": (
        ["--layer", "silver", "--name", "x", "--dependencies", "bronze_nope"],
        "there is no asset 'bronze_nope'",
    ),
    "gold on bronze": (
        ["--layer", "gold", "--name", "x", "--dependencies", "bronze_example"],
        "gold assets may depend only on silver assets, not bronze_example",
    ),
    "silver on silver": (
        ["--layer", "silver", "--name", "x", "--dependencies", "silver_example"],
        "silver assets may depend only on bronze assets, not silver_example",
    ),
    "bronze with dependency": (
        ["--layer", "bronze", "--name", "x", "--dependencies", "bronze_example"],
        "bronze assets ingest raw data and take no dependencies",
    ),
    "bare name of a listed dependency": (
        # Among a silver asset's dependencies a bare name is the bronze asset of that name.
        ["--layer", "silver", "--name", "x", "--dependencies", "bronze_example,example"],
        "bronze_example is listed more than once",
    ),
    "repeated dependency": (
        ["--layer", "silver", "--name", "x", "--dependencies", "bronze_example,bronze_example"],
        "bronze_example is listed more than once",
    ),
    "misspelt bare name": (
        ["--layer", "gold", "--name", "x", "--dependencies", "exampel"],
        "there is no asset 'exampel' (did you mean ",
    ),
    "silver without dependency": (
        ["--layer", "silver", "--name", "x"],
        "silver assets need at least one bronze dependency (available: bronze_example)",
    ),
    "missing layer without a terminal": (["--name", "x"], "missing --layer"),
    "missing name without a terminal": (["--layer", "bronze"], "missing --name"),
}


@pytest.mark.parametrize("case", sorted(BAD_ADDITIONS))
def test_bad_additions_are_refused_with_one_line_and_change_nothing(project, case):
    args, message = BAD_ADDITIONS[case]
    result = polster(project, "add-asset", *args, stdin=-3, check=False)  # -3: DEVNULL

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert_unchanged(project)


def test_a_failure_halfway_writes_nothing(project):
    silver_wrappers = project / "src" / "orchestration" / "assets" / "silver"
    for wrapper in silver_wrappers.iterdir():
        wrapper.unlink()
    silver_wrappers.rmdir()
    silver_wrappers.write_text("not a folder")  # the wrapper cannot be written there

    result = polster(
        project,
        "add-asset",
        "--layer",
        "silver",
        "--name",
        "x",
        "--dependencies",
        "bronze_example",
        check=False,
    )

    assert result.returncode == 1
    assert "nothing was written" in result.stderr
    assert not (project / "src" / "core" / "silver_x.py").exists()
    assert not list((project / "src" / "core").glob(".*"))


BAD_REMOVALS = {
    "unknown asset": (["--layer", "silver", "--name", "nope"], "there is no asset 'silver_nope'"),
    "asset with dependents": (
        ["--layer", "bronze", "--name", "example"],
        "cannot remove bronze_example: silver_example depends on bronze_example",
    ),
    "wrong confirmation word": (
        ["--asset", "bronze_example", "--force", "--confirm", "yes"],
        "'yes' is not REMOVE_ALL_ASSETS: nothing was removed",
    ),
    "missing confirmation without a terminal": (
        ["--asset", "bronze_example", "--force"],
        "missing --confirm",
    ),
    "name without layer": (["--name", "example"], "missing --layer"),
}


@pytest.mark.parametrize("case", sorted(BAD_REMOVALS))
def test_bad_removals_are_refused_and_change_nothing(project, case):
    args, message = BAD_REMOVALS[case]
    result = polster(project, "remove-asset", *args, stdin=-3, check=False)

    assert result.returncode == 1
    assert message in result.stderr
    assert_unchanged(project)


def test_dry_run_lists_what_would_go_and_changes_nothing(project):
    result = make(project, "remove-asset", LAYER="bronze", NAME="example", DRY_RUN="1", FORCE="1")

    assert "Would remove 3 asset(s): gold_example, silver_example, bronze_example" in result.stdout
    assert "src/orchestration/assets/bronze/run_bronze_example.py" in result.stdout
    assert "A real run asks you to type REMOVE_ALL_ASSETS." in result.stdout
    assert_unchanged(project)


def test_removal_keeps_the_data_and_the_project_loadable(project):
    make(project, "run")
    make(project, "remove-asset", LAYER="gold", NAME="example")

    assert not (project / "src" / "core" / "gold_example.py").exists()
    assert (project / "data" / "gold" / "example" / "_delta_log").is_dir()
    assert not (project / "tests" / "assets" / "test_gold_example.py").exists()
    assert "--> gold_example" not in (project / "README.md").read_text()
    assert "OK: 2 asset(s)" in make(project, "validate").stdout
    assert "passed" in make(project, "test").stdout


def test_purge_data_deletes_the_table(project):
    make(project, "run")
    result = make(project, "remove-asset", LAYER="gold", NAME="example", PURGE_DATA="1")

    assert "deleted table" in result.stdout
    assert not (project / "data" / "gold" / "example").exists()
    assert (project / "data" / "silver" / "example").exists()


def test_removing_more_than_three_assets_needs_confirm(project):
    for name in ("a", "b", "c"):
        polster(project, "add-asset", "--layer", "bronze", "--name", name)
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", "three more", cwd=project)
    keys = [
        "--asset",
        "bronze_a",
        "--asset",
        "bronze_b",
        "--asset",
        "bronze_c",
        "--asset",
        "gold_example",
    ]

    refused = polster(project, "remove-asset", *keys, "--confirm", "CONFIRMED", check=False)
    assert "'CONFIRMED' is not CONFIRM: nothing was removed" in refused.stderr
    assert_unchanged(project)

    polster(project, "remove-asset", *keys, "--confirm", "CONFIRM")
    listing = json.loads(polster(project, "list-assets", "--format", "json").stdout)
    assert [asset["key"] for asset in listing["assets"]] == ["bronze_example", "silver_example"]


def test_removing_everything_needs_remove_all_assets_and_leaves_a_loadable_project(project):
    polster(
        project,
        "remove-asset",
        "--asset",
        "bronze_example",
        "--force",
        "--confirm",
        "REMOVE_ALL_ASSETS",
    )

    assert json.loads(polster(project, "list-assets", "--format", "json").stdout) == {"assets": []}
    assert "No assets yet" in make(project, "run").stdout
    assert "passed" in make(project, "test").stdout


def test_validate_and_the_tests_catch_a_hand_edited_gold_on_bronze(project):
    module = project / "src" / "core" / "gold_example.py"
    module.write_text(module.read_text().replace("(silver_example", "(bronze_example"))

    validation = make(project, "validate", check=False)
    assert validation.returncode != 0
    assert (
        "src/core/gold_example.py: gold assets may depend only on silver assets, but it depends "
        "on bronze_example" in validation.stdout
    )
    assert make(project, "test", check=False).returncode != 0


HAND_BREAKAGES = {
    "wrapper without core module": (
        lambda p: (p / "src/core/gold_example.py").unlink(),
        "src/orchestration/assets/gold/run_gold_example.py: this wrapper has no core module",
    ),
    "core module without wrapper": (
        lambda p: (p / "src/orchestration/assets/gold/run_gold_example.py").unlink(),
        "src/core/gold_example.py: this core module has no Dagster wrapper",
    ),
    "module that fails to import": (
        lambda p: (p / "src/core/gold_example.py").write_text(
            (p / "src/core/gold_example.py").read_text() + "\nraise RuntimeError('boom')\n"
        ),
        r"src/core/gold_example\.py:\d+: it fails to import: RuntimeError: boom\. "
        r"Fix: correct the code on that line",
    ),
    "module that does not parse": (
        lambda p: (p / "src/core/gold_example.py").write_text("def aggregate(:\n"),
        r"src/core/gold_example\.py:1: Python cannot parse it: .+\. "
        r"Fix: correct the code on that line",
    ),
    "missing compute function": (
        lambda p: (p / "src/core/gold_example.py").write_text('"""Nothing here."""\n'),
        r"src/core/gold_example\.py: it defines no aggregate\(\) function",
    ),
    "misplaced wrapper": (
        lambda p: os.replace(
            p / "src/orchestration/assets/gold/run_gold_example.py",
            p / "src/orchestration/assets/silver/run_gold_example.py",
        ),
        r"src/orchestration/assets/silver/run_gold_example\.py: the silver folder holds a wrapper",
    ),
}


@pytest.mark.parametrize("case", sorted(HAND_BREAKAGES))
def test_validate_names_the_file_and_the_fix(project, case):
    breakage, message = HAND_BREAKAGES[case]
    breakage(project)

    result = polster(project, "validate", check=False)

    assert result.returncode == 1
    assert re.search(message, result.stdout), result.stdout
    assert "Fix:" in result.stdout


def test_graph_prints_mermaid_and_keeps_the_readme_as_rendered(project):
    result = make(project, "graph")

    assert result.stdout.startswith("flowchart LR\n  subgraph bronze\n    bronze_example\n  end")
    assert "  silver_example --> gold_example" in result.stdout
    assert_unchanged(project)


def test_scaffolds_with_long_names_and_many_upstreams_are_formatted(project):
    long_bronze = ["b" + "x" * 46 + str(i) for i in range(3)]
    for name in long_bronze:
        polster(project, "add-asset", "--layer", "bronze", "--name", name)
    polster(
        project,
        "add-asset",
        "--layer",
        "silver",
        "--name",
        "s" * 48,
        "--dependencies",
        ",".join(long_bronze),
        "--description",
        'A "quoted" ' + "word " * 40,
    )
    polster(project, "add-asset", "--layer", "gold", "--name", "g" * 48, "--dependencies", "s" * 48)

    make(project, "lint")
    assert "OK: 8 asset(s)" in polster(project, "validate").stdout


def test_interactive_add_asset_in_a_terminal(project):
    answers = "2\nclean_orders\n1\n"  # layer 2 = silver, then the name, then bronze #1
    primary, secondary = os.openpty()
    os.write(primary, answers.encode())
    try:
        result = polster(project, "add-asset", stdin=secondary)
    finally:
        os.close(secondary)
        os.close(primary)

    assert "Available bronze assets to depend on:" in result.stdout
    assert "Created silver_clean_orders from bronze_example" in result.stdout
    assert (
        "def transform(bronze_example: pl.LazyFrame)"
        in (project / "src" / "core" / "silver_clean_orders.py").read_text()
    )


def test_hints_under_make_name_make_variables(project):
    """`make` targets take FORCE=1, YES=1, NAME=...: their refusals say so, not --force."""
    commands = {
        "FORCE=1": ["remove-asset", "LAYER=bronze", "NAME=example"],
        "YES=1": ["restore", "ASSET=bronze_example", "VERSION=0"],
        "NAME= (e.g. NAME=clean_orders)": ["add-asset", "LAYER=silver"],
    }
    for hint, (target, *variables) in commands.items():
        command = ["make", "--no-print-directory", target, f"PYTHON={PYTHON}", *variables]
        result = run(command, project, check=False, env=project_env(project), stdin=DEVNULL)

        assert result.returncode == 2, result.stderr  # make's code for a failed recipe
        assert hint in result.stderr, result.stderr
        assert " --" not in result.stderr.replace(" --no-print-directory", ""), result.stderr
    assert_unchanged(project)
