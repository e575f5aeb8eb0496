"""Dagster's own CLI (dg) on a generated project: check, list, launch, and the layer rules.

The project is rendered under a folder whose name has a space, parentheses and non-ASCII
letters, as a Windows home folder or a shared drive would. `dg dev` is started by the
README-command test (tests/test_user_path.py), which also runs `make hooks` and
`pre-commit run --all-files`.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.conftest import (
    PYTHON,
    edit,
    polster,
    project_env,
    render_project,
    run,
    run_polster,
)

DG = str(Path(PYTHON).parent / "dg")


@pytest.fixture(scope="module")
def project(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dg") / "Jane Doe (data) — ünïcode"
    return render_project(template_src, folder / "shop pipeline")


def dg(project: Path, *args: str, check: bool = True):
    env = project_env(project)
    env["PATH"] = f"{Path(PYTHON).parent}{os.pathsep}{env['PATH']}"
    return run([DG, *args], project, check=check, env=env)


def test_dg_check_defs_and_list_defs_see_the_whole_pipeline(project):
    assert "All definitions loaded successfully" in dg(project, "check", "defs").stdout

    listed = json.loads(dg(project, "list", "defs", "--json").stdout)
    groups = {asset["asset_key"]: asset["group_name"] for asset in listed["assets"]}
    assert groups == {
        "bronze_example": "bronze",
        "silver_example": "silver",
        "gold_example": "gold",
    }
    assert [schedule["name"] for schedule in listed["schedules"]] == ["bronze_daily"]
    assert [sensor["name"] for sensor in listed["sensors"]] == ["polster_automation"]
    checked = {check["asset_key"] for check in listed["asset_checks"]}
    assert checked == {"bronze_example", "silver_example", "gold_example"}


def test_dg_launch_materializes_an_asset_readable_by_polster(project):
    dg(project, "launch", "--assets", "bronze_example")

    shown = polster(project, "show", "bronze_example", "--limit", "3").stdout
    assert re.search(r"bronze_example \(latest version\): [\d,]+ rows, showing 3", shown)
    # The run is in the project's history (.dagster/), which run_polster.py reads too.
    status = run_polster(project, "--status", check=True).stdout
    (bronze,) = [line for line in status.splitlines() if line.startswith("bronze_example")]
    assert "never" not in bronze, status
    assert re.search(r"^Last run: \w{8}, started .*: SUCCESS$", status, re.MULTILINE), status


def test_an_asset_scaffolded_by_dg_must_follow_the_layer_rules(project):
    dg(project, "scaffold", "defs", "dagster.asset", "orders.py")
    scaffolded = project / "src" / "orchestration" / "assets" / "orders.py"
    try:
        refused = dg(project, "check", "defs", check=False)
        assert refused.returncode != 0
        rule = "orders: the key does not start with a layer (bronze, silver, gold)"
        assert rule in refused.stdout + refused.stderr

        run_result = run([PYTHON, "run_polster.py"], project, False, env=project_env(project))
        assert run_result.returncode == 1
        assert f"{rule}, in src/orchestration/assets/orders.py:4" in run_result.stderr
        assert "Traceback" not in run_result.stderr
        # `polster validate` finds it before any run does: file:line, what, the fix.
        validated = polster(project, "validate", check=False)
        assert validated.returncode == 1
        assert (
            "  src/orchestration/assets/orders.py:4: the asset key orders does not start with "
            "a layer (bronze, silver, gold). Fix: rename it to <layer>_<name>, for example "
            "silver_orders, in its layer's folder.\n"
        ) in validated.stdout
    finally:
        scaffolded.unlink()
    dg(project, "check", "defs")


def test_a_core_module_importing_dagster_fails_the_generated_layer_test(project):
    module = project / "src" / "core" / "silver_example.py"
    original = module.read_text()
    edit(module, "import polars as pl\n", "import dagster\nimport polars as pl\n")
    try:
        tests = run(
            [
                *(PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
                "tests/test_layer_rules.py::test_core_modules_run_without_dagster",
            ],
            project,
            check=False,
            env=project_env(project),
        )
    finally:
        module.write_text(original)
    assert tests.returncode == 1
    assert "src/core/silver_example.py:" in tests.stdout
    assert "imports dagster" in tests.stdout
