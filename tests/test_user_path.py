"""The real user path: `copier copy` with its tasks, then every command the README shows.

The bash blocks of the sections that a module of their own runs in a project rendered with
the answers they need (Sources, Incremental pipelines, ...) are left to that module.
Slow on purpose (a real `uv sync`, real Dagster UIs): it is the test a new user would run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import copier
import pytest

from tests.conftest import assert_generated_suite_passed, git, isolated_env, read_table, run
from tests.osv_server import osv_server
from tests.readme_commands import SECTIONS_TESTED_ON_THEIR_OWN, all_commands, is_server, port_of
from tests.test_audit import locked_version

# What the Dagster UI must report: the code location loaded, schedule and sensor running,
# the project's run history.
GRAPHQL_QUERY = """
{ runsOrError(limit: 1000) { ... on Runs { results { runId } } }
  repositoriesOrError { ... on RepositoryConnection { nodes {
    schedules { name scheduleState { status } }
    sensors { name sensorState { status } }
} } }
  assetNodes(assetKeys: [{path: ["silver_example"]}]) {
    assetChecksOrError { ... on AssetChecks { checks {
        name blocking executionForLatestMaterialization { status }
    } } }
} }
"""
UI_START_TIMEOUT = 120
pytestmark = pytest.mark.xdist_group("user_path")


@pytest.fixture(scope="module")
def project(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copied like a user would: tasks on (uv sync, git init + first commit)."""
    # A folder such as a Windows home folder: a space, parentheses, non-ASCII letters.
    destination = tmp_path_factory.mktemp("user") / "Jane Doe (data) — ü" / "shop pipeline"
    copier.run_copy(str(template_src), destination, defaults=True, unsafe=True, vcs_ref="HEAD")
    return destination


def user_env(project: Path) -> dict[str, str]:
    """The environment of a user who ran `source .venv/bin/activate` in the project."""
    env = isolated_env(project, VIRTUAL_ENV=str(project / ".venv"))
    env.pop("PYTHONPATH", None)
    env["PATH"] = f"{project / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def query_ui(port: int) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": GRAPHQL_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def serve_until_ready(command: str, project: Path) -> dict:
    """Start a UI command, wait until its GraphQL answers, stop it; return the answer."""
    port = port_of(command)
    server = subprocess.Popen(
        command,
        shell=True,
        cwd=project,
        env=user_env(project),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + UI_START_TIMEOUT
    try:
        while time.monotonic() < deadline and server.poll() is None:
            try:
                return query_ui(port)
            except OSError:
                time.sleep(1)
        pytest.fail(f"{command!r} did not answer on port {port} in time")
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            output, _ = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
        assert not tracebacks_but_the_interrupts(output), output


def tracebacks_but_the_interrupts(output: str) -> list[str]:
    """The tracebacks in a server's output, but those of this test's Ctrl-C: with the
    project's history shared, the UI may be launching a run queued by an earlier one (its
    automation sensor's) when it is stopped, and Dagster prints the interrupted launch."""
    blocks = output.split("Traceback (most recent call last):")[1:]
    interrupt = (
        "KeyboardInterrupt",
        "DagsterExecutionInterruptedError",
        "exit code -2",
        # The queued run's launch, reaching its code server as Ctrl-C stops that server.
        "Tried to start a run on a server after telling it to shut down",
    )
    return [block for block in blocks if not any(word in block for word in interrupt)]


def test_copy_creates_the_environment_and_a_first_commit(project):
    assert (project / ".venv" / "bin" / "python").exists()
    assert (project / "uv.lock").exists()
    assert git("rev-list", "--count", "HEAD", cwd=project) == "1"
    assert git("status", "--porcelain", cwd=project) == ""


@pytest.fixture
def osv():
    """A local stand-in for the OSV service `make audit` asks (none is reachable here)."""
    with osv_server() as fixture:
        yield fixture


def test_every_readme_command_works(project, osv):
    commands = all_commands(project / "README.md", skip_sections=SECTIONS_TESTED_ON_THEIR_OWN)
    assert "python src/core/silver_example.py" in commands
    assert "dagster dev" in commands
    assert commands.index("python run_polster.py --ui") < commands.index("make ui")
    status = commands.index("python run_polster.py --status")
    assert commands[status - 1] == "python run_polster.py"

    for command in commands:
        if command == "source .venv/bin/activate":
            continue  # user_env() is that activated environment
        if command == "make ui":
            # `make ui` runs `python run_polster.py --ui`, served above, with the Python
            # that `make run` and `make status` run here: one more UI of the same
            # command would check nothing new (and a UI start costs a minute on CI).
            recipes = {
                target: run(
                    ["make", "-n", "--no-print-directory", target], project, env=user_env(project)
                ).stdout
                for target in ("ui", "status")
            }
            assert recipes["ui"].splitlines() == [
                line.replace("--status", "--ui") for line in recipes["status"].splitlines()
            ], recipes
            assert recipes["ui"].strip().endswith("python run_polster.py --ui"), recipes
            continue
        if is_server(command):
            answer = serve_until_ready(command, project)
            (repository,) = answer["data"]["repositoriesOrError"]["nodes"]
            states = [s["scheduleState"]["status"] for s in repository["schedules"]]
            states += [s["sensorState"]["status"] for s in repository["sensors"]]
            assert states == ["RUNNING", "RUNNING"], (command, repository)
            # Every way of starting the UI shows the project's runs (.dagster/), not an
            # empty temporary history: each run_polster.py run so far left a report.
            shown = {run["runId"] for run in answer["data"]["runsOrError"]["results"]}
            reported = {report.name for report in (project / "reports").iterdir()}
            assert reported, command
            assert reported <= shown, (command, reported - shown)
            # The silver checks show in the UI, blocking, with the results of the run that
            # materialized silver (a later UI may already show the automation sensor's run).
            (silver,) = answer["data"]["assetNodes"]
            checks = silver["assetChecksOrError"]["checks"]
            assert len(checks) == 5
            assert all(check["blocking"] for check in checks)
            if command == "python run_polster.py --ui":
                executions = [check["executionForLatestMaterialization"] for check in checks]
                assert {execution["status"] for execution in executions} == {"SUCCEEDED"}
            continue
        env = {**user_env(project), "PIP_AUDIT_OSV_URL": osv.url}
        result = run(["bash", "-c", command], project, check=False, env=env)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        if command == "python run_polster.py --status":  # after `python run_polster.py`
            pipeline_materialized_gold_and_status_lists_every_asset(project, result.stdout)
        if command == "make test":
            assert_generated_suite_passed(result.stdout)
    assert ("polars", locked_version(project, "polars")) in osv.queries  # make audit ran
    assert {"make test", "make lint"} <= set(commands)

    # The work tree is as committed: formatting changed nothing, output stayed ignored.
    assert git("status", "--porcelain", cwd=project) == ""


def pipeline_materialized_gold_and_status_lists_every_asset(project: Path, status: str) -> None:
    """What `python run_polster.py` leaves and `python run_polster.py --status` shows."""
    for key in ("bronze_example", "silver_example", "gold_example"):
        (line,) = [line for line in status.splitlines() if line.startswith(key)]
        assert "never" not in line
    gold = read_table(project / "data" / "gold" / "example")
    # 28 days x 5 countries once cleaned; a pair without valid orders has no row.
    assert (gold["order_date"].n_unique(), gold["country"].n_unique()) == (28, 5)
    assert gold["revenue"].sum() > 0
