"""Failure alerts: a real local HTTP receiver, real failed runs, the real Dagster daemon.

A failing run_polster.py run sends exactly one message; a successful one sends none; an
unreachable receiver leaves the exit code alone; a failing run launched through Dagster
(`dagster job launch`, as the UI launches runs) is reported once by the run-failure
sensor that the real `dagster-daemon` ticks, while a failing run_polster.py run next to
that daemon is still reported once.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer

from tests.conftest import (
    PYTHON,
    project_env,
    render_project,
    run,
    run_polster,
    without_dagster_telemetry,
)
from tests.ports import free_port
from tests.processes import running
from tests.readme_commands import section_commands
from tests.test_update import copy_at_old_version, leftovers, readme_command, releases

__all__ = ["releases"]  # a fixture, used by test_reanswering_switches_the_alerts
pytestmark = pytest.mark.xdist_group("alerts")
HOOK = "/hooks/T000/s3cret-path"  # a webhook URL's path is its secret
BIN = Path(PYTHON).parent
DAEMON_TIMEOUT = 180
SENSOR = "polster_failure_alert"


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture(scope="module")
def project(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = render_project(
        template_src, tmp_path_factory.mktemp("alerts") / "shop alerts", alerts="webhook"
    )
    without_dagster_telemetry(project)
    return project


@pytest.fixture
def receiver(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    return httpserver


def alert_env(project: Path, url: str, **extra: str) -> dict[str, str]:
    return {
        **project_env(project),
        "DAGSTER_HOME": str(project / ".dagster"),
        "POLSTER_ALERT_WEBHOOK_URL": url,
        **extra,
    }


def messages(server: HTTPServer) -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in server.log]


FAILING = {"POLSTER_EXAMPLE_ROWS": "0"}  # bronze refuses an empty result: the run fails


def test_a_failing_run_sends_exactly_one_well_formed_message(project, receiver):
    env = alert_env(
        project, receiver.url_for(HOOK), POLSTER_UI_URL="http://ui.test:3000", **FAILING
    )
    result = run_polster(project, env=env)

    assert result.returncode == 1
    (message,) = messages(receiver)
    run_id = message["run_id"]
    assert message == {
        "event": "run_failed",
        "project": "shop_pipeline",
        "environment": "dev",
        "run_id": run_id,
        "failed": ["bronze_example"],
        "error": message["error"],
        "run_url": f"http://ui.test:3000/runs/{run_id}",
        "text": message["text"],
    }
    assert message["error"].startswith("bronze_example was not published: the result has no rows")
    assert "\n" not in message["error"]
    assert message["text"].splitlines()[0] == f"shop_pipeline (dev): run {run_id[:8]} failed"
    assert f"Run {run_id[:8]} (dev) FAILED" in result.stdout
    assert "Alert sent (webhook)." in result.stderr
    assert "Traceback" not in result.stderr


def test_a_blocking_check_names_the_check(project, receiver, tmp_path):
    core = project / "src" / "core" / "silver_example.py"
    original = core.read_text()
    # A blocking check that the rows fail.
    extra = "from polster import min_rows\nCHECKS = [*CHECKS, min_rows(10**9)]\n"
    core.write_text(original + "\n" + extra)
    try:
        env = alert_env(project, receiver.url_for(HOOK), POLSTER_ENV="staging")
        result = run_polster(project, env=env)
    finally:
        core.write_text(original)
    assert result.returncode == 1, result.stdout
    (message,) = messages(receiver)
    assert message["environment"] == "staging"
    assert message["failed"] == ["silver_example", "silver_example: check at_least_1000000000_rows"]
    assert message["run_url"] is None


def test_a_successful_run_sends_nothing(project, receiver):
    result = run_polster(project, env=alert_env(project, receiver.url_for(HOOK)))
    assert result.returncode == 0, result.stderr
    assert receiver.log == []
    assert "Alert" not in result.stderr


def test_an_unreachable_receiver_does_not_change_the_exit_code(project):
    url = f"http://127.0.0.1:{free_port()}{HOOK}"
    failed = run_polster(project, env=alert_env(project, url, **FAILING))
    assert failed.returncode == 1
    assert (
        f"warning: the failure alert was not sent: 127.0.0.1:{url.split(':')[2].split('/')[0]} "
        "did not answer (ConnectError); check POLSTER_ALERT_WEBHOOK_URL"
    ) in failed.stderr
    assert "s3cret" not in failed.stdout + failed.stderr
    assert "error: the run failed: bronze_example was not published" in failed.stderr
    assert run_polster(project, env=alert_env(project, url)).returncode == 0


@pytest.mark.parametrize("kind", ["slack", "teams"])
def test_slack_and_teams_get_their_webhook_format(project, receiver, kind):
    env = alert_env(project, "", POLSTER_ALERTS=kind, **FAILING)
    env[f"POLSTER_ALERT_{kind.upper()}_WEBHOOK_URL"] = receiver.url_for(HOOK)
    assert run_polster(project, env=env).returncode == 1
    (message,) = messages(receiver)
    if kind == "slack":
        assert message["text"].startswith("*shop_pipeline (dev): run ")
        assert "Failed: bronze_example" in message["text"]
    else:
        (attachment,) = message["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        body = attachment["content"]["body"]
        texts = [inline["text"] for block in body for inline in block["inlines"]]
        assert "Failed: bronze_example" in texts


def test_the_project_with_alerts_is_lint_clean(project):
    run([PYTHON, "-m", "ruff", "check", "."], project)
    run([PYTHON, "-m", "ruff", "format", "--check", "."], project)


def test_a_url_that_is_not_one_is_one_line_without_the_value(project):
    env = alert_env(project, "hooks.example.com/s3cret")
    result = run_polster(project, env=env)
    assert result.returncode == 1
    assert result.stderr == (
        "error: POLSTER_ALERT_WEBHOOK_URL is not a URL: paste the webhook's whole address, "
        "https://..., into .env\n"
    )


def test_the_readme_alerts_commands_work(project, receiver):
    readme = (project / "README.md").read_text()
    commands = section_commands(readme, "Alerts")
    assert commands == ["make alert-test"]
    (project / ".env").write_text(f"POLSTER_ALERT_WEBHOOK_URL={receiver.url_for(HOOK)}\n")
    try:
        env = {**project_env(project)}
        result = run(
            ["make", "--no-print-directory", "alert-test", f"PYTHON={PYTHON}"], project, env=env
        )
    finally:
        (project / ".env").unlink()
    assert "Sent a test alert (webhook" in result.stdout
    (message,) = messages(receiver)
    assert message["run_id"] == "test-alert"


def wait_for(condition, timeout: float, what: str, daemon: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if daemon.poll() is not None:
            pytest.fail(f"dagster-daemon exited before {what}: {log.read_text()[-4000:]}")
        time.sleep(0.5)  # each condition is a cheap read
    pytest.fail(f"no {what} within {timeout}s; the daemon's log ends:\n{log.read_text()[-4000:]}")


def sensor_ticks(env: dict[str, str]) -> int:
    """How many times the daemon has ticked the failure-alert sensor (from its instance):
    Dagster's own API, in a new process; it also creates the instance's storage."""
    code = (
        "import dagster as dg\n"
        "with dg.DagsterInstance.get() as instance:\n"
        "    states = [s for s in instance.all_instigator_state()\n"
        f"              if s.name == '{SENSOR}']\n"
        "    print(sum(len(instance.get_ticks(s.instigator_origin_id, s.selector_id))\n"
        "              for s in states))\n"
    )
    result = subprocess.run([PYTHON, "-c", code], env=env, capture_output=True, text=True)
    return int(result.stdout.strip() or 0) if result.returncode == 0 else 0  # busy: later


def ticks_recorded(home: Path) -> int:
    """The failure-alert sensor's ticks as the daemon's SQLite schedule storage holds them:
    read directly, as polls go (a process importing Dagster per poll costs seconds of CPU).
    A tick's body names its sensor."""
    try:
        with contextlib.closing(sqlite3.connect(home / "schedules" / "schedules.db")) as db:
            sql = "SELECT count(*) FROM job_ticks WHERE tick_body LIKE ?"
            return db.execute(sql, (f'%"{SENSOR}"%',)).fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # busy (the daemon writes): later


def test_the_daemons_run_failure_sensor_alerts_once_for_a_dagster_run(
    template_src, tmp_path, httpserver
):
    httpserver.expect_request(HOOK, method="POST").respond_with_data("ok")
    project = render_project(template_src, tmp_path / "daemon alerts", alerts="webhook")
    home = project / ".dagster"
    home.mkdir()
    # The run queue as Dagster's default (QueuedRunCoordinator), checked every second
    # rather than every 5 s: this test waits for the daemon to launch its run.
    (home / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\n"
        "run_coordinator:\n  module: dagster.core.run_coordinator\n"
        "  class: QueuedRunCoordinator\n  config:\n    dequeue_interval_seconds: 1\n"
    )
    env = alert_env(project, httpserver.url_for(HOOK), **FAILING)
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    # Create the instance's storage before the daemon starts: on a fresh DAGSTER_HOME the
    # daemon and its code server both create the SQLite run storage at once, and when both
    # stamp its schema version the instance stays unreadable (a Dagster race; a slow, cold
    # machine hits it). A user who has run the pipeline once already has this storage.
    assert sensor_ticks(env) == 0
    log = tmp_path / "daemon.log"
    daemon_command = [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"]
    with running(daemon_command, project, env, log) as daemon:
        # A run status sensor reports runs that end after its first tick.
        wait_for(lambda: ticks_recorded(home) > 0, DAEMON_TIMEOUT, "sensor tick", daemon, log)
        # Launched as the UI launches a run: through the workspace and the run launcher.
        launch = ["dagster", "job", "launch", "-w", "workspace.yaml", "-j", "__ASSET_JOB"]
        run([str(BIN / launch[0]), *launch[1:]], project, env=env)
        wait_for(lambda: len(httpserver.log) > 0, DAEMON_TIMEOUT, "alert", daemon, log)
        # A run_polster.py run next to the daemon: it alerts itself, the sensor skips it.
        assert run_polster(project, env=env).returncode == 1
        ticks = ticks_recorded(home)
        wait_for(
            lambda: ticks_recorded(home) >= ticks + 2, DAEMON_TIMEOUT, "two more ticks", daemon, log
        )
    # The direct read counts what Dagster's API counts (the daemon has stopped writing).
    assert ticks_recorded(home) == sensor_ticks(env) >= ticks + 2
    first, second = messages(httpserver)
    assert first["failed"] == ["bronze_example"]
    assert first["error"].startswith("bronze_example was not published")
    assert first["environment"] == "dev"
    assert second["run_id"] != first["run_id"]
    assert set(first) == set(second)  # the same shape from both paths


def test_reanswering_switches_the_alerts(releases, tmp_path):
    project = copy_at_old_version(releases, tmp_path / "shop_pipeline")
    settings = project / "pyproject.toml"  # [tool.polster]: the answers Polster reads
    assert 'alerts = "none"' in settings.read_text()

    readme_command(project, 'make update VCS_REF=:current: DATA="alerts=none"')
    run(["git", "commit", "--quiet", "--all", "--allow-empty", "-m", "none"], project)
    run(
        [PYTHON, "-m", "polster", "update", "--vcs-ref", ":current:", "--data", "alerts=slack"],
        project,
        env=project_env(project),
    )
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["alerts"] == "slack"
    assert 'alerts = "slack"' in settings.read_text()
    assert "POLSTER_ALERT_SLACK_WEBHOOK_URL" in (project / "README.md").read_text()
    assert leftovers(project) == []
