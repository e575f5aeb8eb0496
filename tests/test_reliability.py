"""Bad data never becomes current: write -> audit -> publish, crashes, simultaneous runs.

Real processes on real Delta tables: `run_polster.py` killed with SIGKILL at each stage
of a write (tests/crash_at.py makes the process kill itself exactly there), several runs
started at once, and every bad input a user can give, each answered with one line.
Projects are rendered under a folder whose name has a space, parentheses and non-ASCII
letters.
"""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from deltalake import DeltaTable
from filelock import FileLock

from tests.conftest import (
    PYTHON,
    edit,
    polster,
    project_env,
    read_table,
    render_project,
    run,
    run_polster,
    table_path,
)

STAGES = ("before-files", "after-files", "between-commits", "after-commit")


@pytest.fixture
def project(template_src: Path, tmp_path: Path) -> Path:
    return render_project(template_src, tmp_path / "Jane Doe (data) — ü" / "shop pipeline")


def run_killed_at(project: Path, target: str, **env: str):
    """run_polster.py, killed when the write of `target` (KEY:STAGE) reaches its stage."""
    command = [PYTHON, str(Path(__file__).parent / "crash_at.py"), target]
    return run(command, project, check=False, env={**project_env(project), **env})


def version(project: Path, key: str) -> int:
    return DeltaTable(str(table_path(project, key))).version()


def rows(project: Path, key: str, at: int | None = None) -> int:
    return read_table(table_path(project, key), at).height


def orphans(project: Path, key: str) -> set[str]:
    """Data files in the table's folder that no version of the table references."""
    folder = table_path(project, key)
    referenced = {
        Path(unquote(uri)).name
        for at in range(version(project, key) + 1)
        for uri in DeltaTable(str(folder), version=at).file_uris()
    }
    return {path.name for path in folder.glob("*.parquet")} - referenced


def assert_one_line(result: subprocess.CompletedProcess, message: str) -> None:
    """Exit code 1, the message on the error line, and no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert message in errors[0], errors[0]


def assert_silver_is_one_unit(project: Path) -> None:
    """Kept plus rejected rows are every bronze row that silver read."""
    kept, rejected = rows(project, "silver_example"), rows(project, "silver_example__rejected")
    assert kept + rejected == rows(project, "bronze_example")


# Write -> audit -> publish


def test_a_failed_blocking_check_publishes_nothing_and_keeps_the_last_good_version(project):
    assert run_polster(project).returncode == 0
    edit(project / "src/core/gold_example.py", "min_rows(1)", "min_rows(1_000_000)")

    result = run_polster(project)

    assert_one_line(result, "gold_example was not published: blocking check at_least_1000000_rows")
    assert "version 0 stays current" in result.stderr
    assert version(project, "gold_example") == 0
    assert rows(project, "gold_example") > 0
    assert orphans(project, "gold_example") == set()
    assert not list((project / "data" / "_polster" / "pending").glob("*.json"))


def test_an_empty_bronze_is_refused_unless_the_module_allows_it(project):
    assert run_polster(project).returncode == 0
    good = rows(project, "bronze_example")

    result = run_polster(project, "--asset", "bronze_example", POLSTER_EXAMPLE_ROWS="0")

    assert_one_line(result, "bronze_example was not published: the result has no rows")
    assert "set ALLOW_EMPTY = True in src/core/bronze_example.py" in result.stderr
    assert (version(project, "bronze_example"), rows(project, "bronze_example")) == (0, good)

    edit(project / "src/core/bronze_example.py", "\nCHECKS", "\nALLOW_EMPTY = True\nCHECKS")
    allowed = run_polster(project, "--asset", "bronze_example", POLSTER_EXAMPLE_ROWS="0")
    assert (version(project, "bronze_example"), rows(project, "bronze_example")) == (1, 0)
    assert "warning check at_least_1_rows failed" in allowed.stdout


# Crashes: kill -9 at each stage of silver's write (bronze and gold are single commits)


@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_at_any_stage_leaves_readable_tables_and_the_next_run_repairs(project, stage):
    assert run_polster(project).returncode == 0
    before = {key: version(project, key) for key in ("silver_example", "silver_example__rejected")}

    # Less raw data this time, so that rows of the two runs cannot add up by chance.
    killed = run_killed_at(project, f"silver_example:{stage}", POLSTER_EXAMPLE_ROWS="500")

    assert killed.returncode == -signal.SIGKILL
    after = {key: version(project, key) for key in before}
    if stage in ("before-files", "after-files"):
        assert after == before  # nothing of the killed write is visible
        assert rows(project, "silver_example") + rows(project, "silver_example__rejected") == rows(
            project, "bronze_example", at=0
        )
    elif stage == "between-commits":
        assert after == {"silver_example": 0, "silver_example__rejected": 1}
        # The first read of the rejected rows notices the split and repairs it, saying so.
        shown = polster(project, "show", "silver_example__rejected", "--limit", "1")
        assert "repaired silver_example__rejected" in shown.stderr
        assert version(project, "silver_example__rejected") == 2
        assert rows(project, "silver_example") + rows(project, "silver_example__rejected") == rows(
            project, "bronze_example", at=0
        )
    else:
        assert after == {"silver_example": 1, "silver_example__rejected": 1}
        assert_silver_is_one_unit(project)

    status = run_polster(project, "--status")
    assert "marked failed: the process running it" in status.stdout
    assert "FAILURE" in status.stdout

    again = run_polster(project)

    assert again.returncode == 0, again.stderr
    assert_silver_is_one_unit(project)
    for key in ("bronze_example", "silver_example", "silver_example__rejected", "gold_example"):
        assert orphans(project, key) == set(), key
    assert not list((project / "data" / "_polster" / "pending").glob("*.json"))
    assert "SUCCESS" in run_polster(project, "--status").stdout


def test_a_first_write_killed_between_its_commits_leaves_no_lonely_rejected_rows(project):
    killed = run_killed_at(project, "silver_example:between-commits")
    assert killed.returncode == -signal.SIGKILL
    assert not (table_path(project, "silver_example") / "_delta_log").exists()

    again = run_polster(project)

    assert again.returncode == 0, again.stderr
    assert version(project, "silver_example__rejected") == 0  # made anew, with its kept rows
    assert_silver_is_one_unit(project)


# Simultaneous runs


def start(project: Path, *command: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, *command],
        cwd=project,
        env=project_env(project),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_simultaneous_runs_wait_for_each_other_and_never_corrupt_a_table(project):
    assert run_polster(project).returncode == 0  # silver's standalone run needs bronze
    for _ in range(3):
        processes = [
            start(project, "run_polster.py"),
            start(project, "run_polster.py"),
            start(project, "src/core/silver_example.py"),
        ]
        for process in processes:
            stdout, stderr = process.communicate(timeout=300)
            assert process.returncode == 0, (stdout, stderr)
            assert "Traceback" not in stderr
        assert_silver_is_one_unit(project)
    history = DeltaTable(str(table_path(project, "silver_example"))).history()
    assert len(history) >= 10  # every write published its own version


def test_a_table_locked_for_too_long_is_one_line_naming_the_timeout(project):
    assert run_polster(project, "--asset", "bronze_example").returncode == 0
    lock = project / "data" / "_polster" / "locks" / "bronze_example.lock"  # in the lake

    with FileLock(lock):
        result = run_polster(project, "--asset", "bronze_example", POLSTER_LOCK_TIMEOUT="1")

    assert_one_line(result, "bronze_example is being written by another process")
    assert "waited 1 s" in result.stderr
    assert "POLSTER_LOCK_TIMEOUT" in result.stderr
    assert version(project, "bronze_example") == 0


# Bad input: one line each, exit code 1, nothing written


def add_bronze(project: Path, name: str, body: str) -> None:
    polster(project, "add-asset", "--layer", "bronze", "--name", name)
    module = project / "src" / "core" / f"bronze_{name}.py"
    scaffold = 'return pl.DataFrame({"id": [1, 2, 3], "value": ["a", "b", "c"]})'
    edit(module, scaffold, body)


BAD_RETURNS = {
    "python objects": (
        'return pl.DataFrame({"id": [1], "blob": pl.Series([object()], dtype=pl.Object)})',
        "bronze_bad cannot be stored: column(s) blob (Python objects) have no Delta Lake type",
    ),
    "none": ("return None", "bronze_bad: extract() returned None; it must return a Polars frame"),
    "pandas": (
        'import pandas\n\n    return pandas.DataFrame({"id": [1]})',
        "bronze_bad: extract() returned a pandas.DataFrame; it must return a Polars frame",
    ),
    "untyped column": (
        'return pl.DataFrame({"id": [1], "nothing": [None]})',
        "column(s) nothing (no type (every value is null))",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_RETURNS))
def test_a_frame_delta_cannot_store_is_refused_naming_the_asset(project, case):
    body, message = BAD_RETURNS[case]
    add_bronze(project, "bad", body)

    result = run_polster(project, "--asset", "bronze_bad")

    assert_one_line(result, message)
    assert not table_path(project, "bronze_bad").exists() or not list(
        table_path(project, "bronze_bad").glob("*.parquet")
    )

    standalone = run([PYTHON, "src/core/bronze_bad.py"], project, False, env=project_env(project))
    assert_one_line(standalone, message)


BROKEN_MODULES = {
    "syntax error": (
        "def aggregate(silver_example: pl.LazyFrame) -> pl.LazyFrame:",
        "def aggregate(silver_example: pl.LazyFrame) -> pl.LazyFrame",
        r"src/core/gold_example.py:\d+: SyntaxError: expected ':'",
    ),
    "missing import": (
        "import polars as pl\n",
        "import polars as pl\nimport shop_helpers\n",
        r"src/core/gold_example.py:\d+: ModuleNotFoundError: No module named 'shop_helpers'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_MODULES))
def test_a_core_module_that_does_not_import_is_one_line_with_file_and_line(project, case):
    old, new, pattern = BROKEN_MODULES[case]
    edit(project / "src/core/gold_example.py", old, new)

    result = run_polster(project)

    assert_one_line(result, "the definitions do not load: src/core/gold_example.py:")
    assert re.search(pattern, result.stderr), result.stderr
    assert not (project / "data").exists()
    verbose = run_polster(project, "--verbose")
    assert "Traceback" in verbose.stderr
    validate = polster(project, "validate", check=False)
    assert validate.returncode == 1
    assert "src/core/gold_example.py:" in validate.stdout


def test_two_definitions_of_one_asset_are_one_line_and_validate_finds_them(project):
    (project / "src/orchestration/assets/gold/copy_of_gold.py").write_text(
        "from core import gold_example\n"
        "from polster.orchestration.asset_factory import medallion_asset\n\n"
        "asset = medallion_asset(gold_example.aggregate)\n"
    )

    result = run_polster(project)

    assert_one_line(result, "the definitions do not load:")
    assert "gold_example" in result.stderr
    validate = polster(project, "validate", check=False)
    assert validate.returncode == 1
    assert "Dagster cannot load them" in validate.stdout
    assert "gold_example" in validate.stdout


def test_a_non_utf8_env_file_is_one_line_naming_the_line(project):
    (project / ".env").write_bytes(b"STORAGE_BACKEND=local\nPOLSTER_EXAMPLE_ROWS=10\xff\n")

    assert_one_line(run_polster(project), ".env line 2 has bytes that are not UTF-8 text")
    assert not (project / "data").exists()


def test_an_unusable_dagster_home_is_one_line(project):
    result = run_polster(project, DAGSTER_HOME=str(project / "README.md"))

    assert_one_line(result, f"DAGSTER_HOME={project / 'README.md'} cannot hold Dagster's")
    assert not (project / "data").exists()


def test_a_data_folder_that_is_a_file_is_one_line(project):
    result = run_polster(project, "--asset", "bronze_example", POLSTER_DATA_DIR="README.md")

    assert_one_line(result, "is a file, not a folder; the data folder must be a folder")
    assert "README.md" in result.stderr


def test_relative_settings_resolve_against_the_project_root_from_any_folder(project):
    result = run_polster(project, cwd=project / "src", POLSTER_DATA_DIR="lake", DAGSTER_HOME="runs")

    assert result.returncode == 0, result.stderr
    assert (project / "lake" / "gold" / "example" / "_delta_log").is_dir()
    assert (project / "runs" / "dagster.yaml").is_file()
    assert not (project / "src" / "lake").exists()
    assert not (project / "src" / "runs").exists()
