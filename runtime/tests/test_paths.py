"""The project is found from the script or the working directory, never from where the
runtime is installed; every relative path resolves against it."""

from __future__ import annotations

import os
import sys

import pytest
from conftest import run
from polster.core.paths import ProjectNotFoundError, find_root, project_root, use_project_root


def test_the_root_is_the_nearest_folder_with_tool_polster(project):
    assert find_root(project / "src" / "core") == project
    assert find_root(project.parent) is None


def test_a_core_module_runs_standalone_from_any_folder(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for module in ("bronze_orders", "silver_orders", "gold_revenue"):
        result = run([sys.executable, str(project / "src" / "core" / f"{module}.py")], elsewhere)
        assert result.returncode == 0, result.stderr
    assert (project / "data" / "gold" / "revenue" / "_delta_log").is_dir()
    assert not (elsewhere / "data").exists()


def test_run_polster_works_from_a_subfolder_and_keeps_history_in_the_project(project):
    result = run([sys.executable, "../../run_polster.py"], project / "src" / "core")
    assert result.returncode == 0, result.stderr
    assert (project / ".dagster").is_dir()
    assert (project / "data" / "silver" / "orders__rejected" / "_delta_log").is_dir()
    status = run([sys.executable, "run_polster.py", "--status"], project)
    assert "gold_revenue" in status.stdout


def test_the_polster_command_finds_the_project_from_the_working_directory(project):
    result = run([sys.executable, "-m", "polster", "list-assets"], project / "src")
    assert result.returncode == 0, result.stderr
    assert "silver_orders" in result.stdout


def test_outside_a_project_every_command_says_so_in_one_line(tmp_path):
    result = run([sys.executable, "-m", "polster", "list-assets"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: no Polster project here: {tmp_path} and the folders above it "
        "have no pyproject.toml with [tool.polster]. Run this from the project's folder "
        "(cd my_pipeline), or set POLSTER_PROJECT_ROOT"
    ]


def test_a_wrong_root_setting_is_refused(tmp_path, sample_project):
    use_project_root(None)
    os.environ["POLSTER_PROJECT_ROOT"] = str(tmp_path)
    try:
        with pytest.raises(ProjectNotFoundError, match="is not a Polster project"):
            project_root()
    finally:
        del os.environ["POLSTER_PROJECT_ROOT"]
        use_project_root(sample_project)
