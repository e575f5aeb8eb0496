"""Environments (POLSTER_ENV): separate table roots, layered settings, one line for a typo.

Real runs of a rendered project's run_polster.py, real Delta tables on disk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deltalake import DeltaTable

from tests.conftest import (
    PYTHON,
    project_env,
    render_project,
    run,
    run_polster,
    without_dagster_telemetry,
)
from tests.readme_commands import section_commands

pytestmark = pytest.mark.xdist_group("environments")
TABLES = ("bronze/example", "silver/example", "gold/example")


@pytest.fixture(scope="module")
def project(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = render_project(template_src, tmp_path_factory.mktemp("environments") / "shop envs")
    without_dagster_telemetry(project)
    return project


def versions(root: Path) -> dict[str, int]:
    return {table: DeltaTable(str(root / table)).version() for table in TABLES}


def last_commit(path: Path) -> dict:
    return DeltaTable(str(path)).history(1)[0]


def test_two_environments_write_to_different_roots_and_record_it(project):
    staging = run_polster(project, POLSTER_ENV="staging")
    assert staging.returncode == 0, staging.stderr
    assert "(staging) succeeded" in staging.stdout
    assert versions(project / "data" / "staging") == dict.fromkeys(TABLES, 0)
    assert not (project / "data" / "bronze").exists()  # dev's tables: not written

    dev = run_polster(project)
    assert dev.returncode == 0, dev.stderr
    assert "(dev) succeeded" in dev.stdout
    assert versions(project / "data") == dict.fromkeys(TABLES, 0)

    for root, env in ((project / "data", "dev"), (project / "data" / "staging", "staging")):
        commit = last_commit(root / "gold" / "example")
        assert commit["polster_env"] == env
        assert commit["dagster_run_id"]
    reports = sorted((project / "reports").glob("*/summary.json"))
    assert {json.loads(path.read_text())["environment"] for path in reports} >= {"dev", "staging"}


def test_a_dev_run_never_touches_staging_tables(project):
    staging_root = project / "data" / "staging"
    if not staging_root.exists():
        assert run_polster(project, POLSTER_ENV="staging").returncode == 0
    before = versions(staging_root)
    files = {path: path.stat().st_mtime_ns for path in staging_root.rglob("*") if path.is_file()}

    assert run_polster(project).returncode == 0

    assert versions(staging_root) == before
    after = {path: path.stat().st_mtime_ns for path in staging_root.rglob("*") if path.is_file()}
    assert after == files


def test_env_file_of_the_environment_sets_its_root_and_wins_over_env(project, tmp_path):
    (project / ".env").write_text("POLSTER_EXAMPLE_ROWS=200\n")
    (project / ".env.prod").write_text(f"POLSTER_DATA_DIR={tmp_path / 'prod tables'}\n")
    try:
        result = run_polster(project, "--asset", "bronze_example", POLSTER_ENV="prod")
    finally:
        (project / ".env").unlink()
        (project / ".env.prod").unlink()
    assert result.returncode == 0, result.stderr
    assert f"Tables in {tmp_path / 'prod tables'}" in result.stdout
    assert "(prod) succeeded" in result.stdout
    assert last_commit(tmp_path / "prod tables" / "bronze" / "example")["polster_env"] == "prod"
    assert not (project / "data" / "prod").exists()


def test_a_relative_root_is_taken_from_the_project_root(project):
    (project / ".env.staging").write_text("POLSTER_DATA_DIR=tables/staging\n")
    try:
        result = run(
            [PYTHON, str(project / "run_polster.py"), "--asset", "bronze_example"],
            project / "src",  # another working directory
            check=False,
            env={**project_env(project), "POLSTER_ENV": "staging"},
        )
    finally:
        (project / ".env.staging").unlink()
    assert result.returncode == 0, result.stderr
    assert DeltaTable(str(project / "tables" / "staging" / "bronze" / "example")).version() == 0


def test_a_misspelt_environment_is_one_line_and_exit_1(project):
    expected = (
        "error: POLSTER_ENV='prdo' is not an environment of this project: use one of dev, "
        "staging, prod (POLSTER_ENVIRONMENTS in .env names them)\n"
    )
    for args in ([], ["--status"]):
        result = run_polster(project, *args, POLSTER_ENV="prdo")
        assert (result.returncode, result.stderr) == (1, expected), args
    command = [PYTHON, "-m", "polster", "history", "gold_example"]
    env = {**project_env(project), "POLSTER_ENV": "prdo"}
    result = run(command, project, check=False, env=env)
    assert (result.returncode, result.stderr) == (1, expected)  # one wording everywhere


def test_status_names_the_environment_and_its_tables(project):
    result = run_polster(project, "--status", POLSTER_ENV="prod")
    assert result.returncode == 0, result.stderr
    assert f"Environment prod: tables in {project / 'data' / 'prod'}" in result.stdout


def test_the_schedule_and_sensor_start_as_the_environment_says(project):
    code = (
        "from polster.orchestration.definitions import build_definitions\n"
        "defs = build_definitions()\n"
        "print(sorted((s.name, s.default_status.value) for s in [*defs.schedules, *defs.sensors]))"
    )
    for env, status in (("dev", "RUNNING"), ("staging", "STOPPED"), ("prod", "RUNNING")):
        environment = {**project_env(project), "POLSTER_ENV": env}
        result = run([PYTHON, "-c", code], project, env=environment)
        expected = [("bronze_daily", status), ("polster_automation", status)]
        assert result.stdout.strip() == str(expected), env


def test_the_readme_environments_commands_work(template_src, tmp_path):
    project = render_project(template_src, tmp_path / "readme envs")
    readme = (project / "README.md").read_text()
    commands = section_commands(readme, "Environments")
    assert "POLSTER_ENV=prod python run_polster.py" in commands
    for command in commands:
        command = command.replace(" python ", f" {PYTHON} ")
        result = run(["bash", "-c", command], project, check=False, env=project_env(project))
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    assert (project / ".env.prod").exists()
    assert DeltaTable(str(project / "data" / "prod" / "gold" / "example")).version() == 0
    assert not (project / "data" / "gold").exists()
    assert "Environment prod" in result.stdout
