"""run_polster.py's bad paths: one clear line, a documented exit code, nothing written."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import PYTHON, project_env, run


@pytest.fixture(scope="module")
def project(template_src, tmp_path_factory):
    from tests.conftest import render_project

    return render_project(template_src, tmp_path_factory.mktemp("runner") / "shop_pipeline")


def run_polster(project, *args, **env):
    return run(
        [PYTHON, "run_polster.py", *args], project, check=False, env={**project_env(project), **env}
    )


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


def test_a_failing_asset_fails_the_run_and_names_the_step(project, tmp_path):
    module = project / "src" / "core" / "silver_example.py"
    original = module.read_text()
    module.write_text(original.replace('pl.col("country")', 'pl.col("no_such_column")', 1))
    try:
        result = run_polster(project, POLSTER_DATA_DIR=str(tmp_path / "data"))
    finally:
        module.write_text(original)

    assert result.returncode == 1
    assert "error: the run failed at silver_example:" in result.stderr
    assert "no_such_column" in result.stderr
    assert "bronze_example" in result.stdout  # what did run is still reported
