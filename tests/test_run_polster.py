"""run_polster.py's bad paths: one clear line, a documented exit code, nothing written."""

from __future__ import annotations

import re
import socket

import polars as pl
import pytest

from tests.conftest import run_polster


@pytest.fixture(scope="module")
def project(template_src, tmp_path_factory):
    from tests.conftest import render_project

    return render_project(template_src, tmp_path_factory.mktemp("runner") / "shop_pipeline")


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (
            ["--asset", "gold_nope"],
            {},
            1,
            "error: unknown asset gold_nope: choose from bronze_example",
        ),
        ([], {"STORAGE_BACKEND": "s3"}, 1, "error: STORAGE_BACKEND='s3' is not supported"),
        ([], {"POLSTER_EXAMPLE_ROWS": "lots"}, 1, "is not a whole number"),
        (["--no-materialize"], {}, 2, "--no-materialize needs --ui or --status"),
        (["--ui", "--port", "70000"], {}, 2, "--port 70000 is not a port number"),
    ],
)
def test_bad_input_is_one_clear_line(project, args, env, code, message):
    result = run_polster(project, *args, **env)

    assert result.returncode == code
    assert message in result.stderr
    assert not (project / "data").exists()


def test_a_busy_port_is_refused_before_anything_starts(project):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_polster(project, "--no-materialize", "--ui", "--port", str(port))

    assert result.returncode == 1
    assert (
        f"error: port {port} is already in use: pass another one, e.g. --port {port + 1}"
        in result.stderr
    )


@pytest.mark.parametrize("executor", ["in_process", "multiprocess"])
def test_a_failing_asset_fails_the_run_and_names_the_step(project, tmp_path, executor):
    module = project / "src" / "core" / "silver_example.py"
    original = module.read_text()
    module.write_text(original.replace('pl.col("country")', 'pl.col("no_such_column")', 1))
    try:
        result = run_polster(
            project, "--executor", executor, POLSTER_DATA_DIR=str(tmp_path / "data")
        )
    finally:
        module.write_text(original)

    assert result.returncode == 1
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error.startswith(
        'error: the run failed: at silver_example: unable to find column "no_such_column"'
    )
    assert "bronze_example" in result.stdout  # what did run is still reported


@pytest.mark.parametrize("executor", ["in_process", "multiprocess"])
def test_each_executor_materializes_every_asset(project, tmp_path, executor):
    data = tmp_path / "data"
    result = run_polster(
        project,
        "--executor",
        executor,
        POLSTER_DATA_DIR=str(data),
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
    )

    assert result.returncode == 0, result.stderr
    assert "succeeded in " in result.stdout
    assert f"({executor} executor):" in result.stdout
    for key in ("bronze_example", "silver_example", "gold_example"):
        (line,) = [line for line in result.stdout.splitlines() if line.startswith(key)]
        assert "materialized" in line
        assert "passed" in line  # the asset checks ran with it
    silver = pl.read_delta(str(data / "silver" / "example"))
    gold = pl.read_delta(str(data / "gold" / "example"))
    assert gold["orders"].sum() == silver.height > 0


def test_status_answers_without_dagster_and_as_dagster_would(project, tmp_path):
    env = {"POLSTER_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "home")}
    assert run_polster(project, **env).returncode == 0
    quick = run_polster(project, "--status", **env)
    imports = run_polster(project, "--status", PYTHONPROFILEIMPORTTIME="1", **env).stderr
    # A module outside the medallion wrappers: only Dagster knows its keys, so it answers.
    extra = project / "src" / "orchestration" / "assets" / "extra.py"
    extra.write_text('"""Nothing defined here."""\n')
    try:
        slow = run_polster(project, "--status", **env)
        slow_imports = run_polster(project, "--status", PYTHONPROFILEIMPORTTIME="1", **env).stderr
    finally:
        extra.unlink()

    assert quick.returncode == slow.returncode == 0, quick.stderr + slow.stderr
    assert quick.stdout == slow.stdout
    assert "Last run: " in quick.stdout
    assert ": SUCCESS" in quick.stdout
    for key in ("bronze_example", "silver_example", "gold_example"):
        (line,) = [line for line in quick.stdout.splitlines() if line.startswith(key)]
        assert "never" not in line
    # `python -X importtime` lists each module on a line of its own, indented by depth.
    dagster = re.compile(r"\|\s+dagster$", re.MULTILINE)
    assert not dagster.search(imports)
    assert dagster.search(slow_imports)
