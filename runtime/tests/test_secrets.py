"""Secrets never leak: after real runs with a secret configured, one failing and one that
falls back to local tables, no file the runs leave and no line they print contains it.

Each kind of secret is one entry of SECRETS: its settings (as `.env` lines), and the
values that must never appear anywhere. Every kind runs in a copy of this project of its
own (the kinds at the same time: the runs mostly wait for the unreachable endpoint).
"""

import base64
import os
import shutil
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from polster.core.paths import project_root

# Settings no run may inherit from the shell: the copy's `.env` alone configures it.
INHERITED = ("DAGSTER_HOME", "STORAGE_BACKEND", "ADLS_", "POLSTER_")
# tests/ is left out too: a copy of this file would hold the secrets it looks for.
NOT_COPIED = (".venv", ".git", ".env", "data", ".dagster", "reports", "tests", "*cache*")
ACCOUNT_KEY = base64.b64encode(b"polster-test-account-key-never-to-be-seen!").decode()
SAS_SIGNATURE = "pOlStErSaSsIgNaTuRe0123456789abcdefXYZ%3D"
SAS_TOKEN = f"sv=2024-11-04&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00:00:00Z&sig={SAS_SIGNATURE}"
SECRETS = {
    "adls-account-key": ({"ADLS_ACCOUNT_KEY": ACCOUNT_KEY}, [ACCOUNT_KEY]),
    "adls-sas-token": ({"ADLS_SAS_TOKEN": SAS_TOKEN}, [SAS_TOKEN, SAS_SIGNATURE]),
}


def unreachable_endpoint() -> str:
    """An ADLS endpoint on a 127.0.0.1 port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/devstoreaccount1"


def project_copy(destination: Path, settings: dict[str, str]) -> Path:
    """This project's code in `destination`, configured by a `.env` of its own."""
    shutil.copytree(project_root(), destination, ignore=shutil.ignore_patterns(*NOT_COPIED))
    lines = [f"{name}={value}" for name, value in settings.items()]
    (destination / ".env").write_text("\n".join(lines) + "\n")
    return destination


def first_bronze_asset() -> str:
    modules = sorted((project_root() / "src" / "core").glob("bronze_*.py"))
    return modules[0].stem if modules else ""


def run_pipeline(project: Path, *extra_env: tuple[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED)}
    env.update({"PYTHONPATH": str(project / "src"), **dict(extra_env)})
    return subprocess.run(
        # One bronze asset is enough: every place a secret could reach is written by it.
        [sys.executable, "run_polster.py", "--asset", first_bronze_asset()],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@dataclass(frozen=True)
class Runs:
    """A project copy with one kind of secret, after a failing run and a fallback run."""

    project: Path
    failed: subprocess.CompletedProcess
    fallback: subprocess.CompletedProcess

    def outputs(self) -> dict[str, str]:
        return {
            "failing run's stdout": self.failed.stdout,
            "failing run's stderr": self.failed.stderr,
            "fallback run's stdout": self.fallback.stdout,
            "fallback run's stderr": self.fallback.stderr,
        }


def run_both(project: Path) -> Runs:
    """ADLS unreachable: a run that fails, then one allowed to write locally instead."""
    failed = run_pipeline(project)
    return Runs(project, failed, run_pipeline(project, ("ADLS_FALLBACK_TO_LOCAL", "true")))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Runs]:
    if not first_bronze_asset():
        pytest.skip("the project has no bronze asset yet")
    projects = {}
    for kind, (settings, _) in SECRETS.items():
        adls = {
            "STORAGE_BACKEND": "adls",
            "ADLS_ACCOUNT_NAME": "devstoreaccount1",
            "ADLS_CONTAINER": "lake",
            "ADLS_ENDPOINT": unreachable_endpoint(),
            **settings,
        }
        projects[kind] = project_copy(tmp_path_factory.mktemp(kind) / "project", adls)
    with ThreadPoolExecutor(max_workers=len(projects)) as pool:
        return dict(zip(projects, pool.map(run_both, projects.values()), strict=True))


def leaks(secret: str, texts: dict[str, str], root: Path) -> list[str]:
    """Where `secret` (or its URL-encoded form) appears: output streams and files."""
    needles = {secret.encode(), urllib.parse.quote(secret, safe="").encode()}
    found = [name for name, text in texts.items() if any(n in text.encode() for n in needles)]
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != ".env":
            content = path.read_bytes()
            found += [str(path.relative_to(root)) for n in needles if n in content][:1]
    return found


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_a_secret_appears_nowhere_after_failing_and_fallback_runs(runs, kind):
    result = runs[kind]
    project = result.project

    assert result.failed.returncode == 1, result.failed.stderr
    assert "could not write" in result.failed.stderr
    assert result.fallback.returncode == 0, result.fallback.stderr
    assert "ADLS_FALLBACK_TO_LOCAL" in result.fallback.stderr
    # Everything that should be searched is there: tables, run summaries, Dagster's event log.
    assert list((project / "data").rglob("_delta_log/*.json"))
    assert len(list((project / "reports").glob("*/summary.json"))) == 2
    assert list((project / ".dagster").rglob("*.db"))
    assert (project / "pyproject.toml").is_file()  # the answers, [tool.polster]
    for secret in SECRETS[kind][1]:
        assert secret in (project / ".env").read_text()  # what the runs were configured with
        assert leaks(secret, result.outputs(), project) == [], f"{kind} leaked"


# --- Source secrets: a database URL and an API token ----------------------------------------

DB_PASSWORD = "DbPwSECRET1"
API_TOKEN = "ApiT0kenSECRET-never-elsewhere"
# kind: (variable, its value in .env, the source, the value that must appear nowhere).
# A password with an unencoded '#' once came back in a parse error ("Port could not be cast
# to integer value as 'DbPwSECRET1'"): in stdout, Dagster's event log and the alert.
SOURCE_SECRETS = {
    "database-url": (
        "CRM_DATABASE_URL",
        f"postgresql://dbuser:{DB_PASSWORD}#x9@127.0.0.1:18084/crm",
        'Query("SELECT 1 AS id", url_variable="CRM_DATABASE_URL")',
        DB_PASSWORD,
    ),
    # The API names another origin as its next page: the run stops there.
    "api-token": (
        "CRM_API_TOKEN",
        API_TOKEN,
        "Api({url!r}, token_variable='CRM_API_TOKEN')",
        API_TOKEN,
    ),
}
SOURCE_MODULE = '''"""Customers, from a source configured in .env."""

import polars as pl
from polster import Api, Query, fetch_records, records_frame

SOURCE = {source}


def extract() -> pl.LazyFrame | pl.DataFrame:
    """The source's rows."""
    if isinstance(SOURCE, Query):
        return SOURCE.read()
    return records_frame(fetch_records(SOURCE), SOURCE)
'''
WRAPPER = """from core import bronze_crm
from polster.orchestration import medallion_asset

asset = medallion_asset(bronze_crm.extract)
"""


class Receiver(BaseHTTPRequestHandler):
    """A real alert receiver and API on 127.0.0.1: POSTed bodies are kept by path; a GET
    gets one page of records whose next page is at another origin."""

    received: ClassVar[dict[str, list[bytes]]] = {}

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.setdefault(self.path, []).append(body)
        self.send_response(200)
        self.end_headers()

    def do_GET(self) -> None:
        body = b'{"data": [{"id": 1}], "next": "http://127.0.0.1:9/steal?page=2"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def run_source(project: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED)}
    return subprocess.run(
        [sys.executable, "run_polster.py", "--asset", "bronze_crm"],
        cwd=project,
        env={**env, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def source_runs(
    tmp_path_factory,
) -> Iterator[dict[str, tuple[Path, subprocess.CompletedProcess, list[bytes]]]]:
    """For each kind, a project copy whose bronze_crm asset fails with the secret set,
    alerts going to a real webhook; the kinds run at the same time."""
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    projects = {}
    for kind, (variable, value, source, _) in SOURCE_SECRETS.items():
        settings = {
            "STORAGE_BACKEND": "local",
            variable: value,
            "POLSTER_ALERT_WEBHOOK_URL": f"{base}/hooks/{kind}",
        }
        project = project_copy(tmp_path_factory.mktemp(kind) / "project", settings)
        pyproject = project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('alerts = "none"', 'alerts = "webhook"'))
        module = SOURCE_MODULE.format(source=source.format(url=f"{base}/v1/customers"))
        (project / "src/core/bronze_crm.py").write_text(module)
        (project / "src/orchestration/assets/bronze/run_bronze_crm.py").write_text(WRAPPER)
        projects[kind] = project
    with ThreadPoolExecutor(max_workers=len(projects)) as pool:
        results = dict(zip(projects, pool.map(run_source, projects.values()), strict=True))
    yield {
        kind: (projects[kind], results[kind], Receiver.received.get(f"/hooks/{kind}", []))
        for kind in projects
    }
    server.shutdown()


@pytest.mark.parametrize("kind", sorted(SOURCE_SECRETS))
def test_a_source_secret_appears_nowhere_after_a_failing_run(source_runs, kind):
    project, result, alerts = source_runs[kind]

    assert result.returncode == 1, result.stderr
    assert "error:" in result.stderr
    assert list((project / ".dagster").rglob("*.db"))  # Dagster's event log is searched
    assert len(alerts) == 1, result.stderr  # and so is the alert
    outputs = {"stdout": result.stdout, "stderr": result.stderr, "alert": alerts[0].decode()}
    assert leaks(SOURCE_SECRETS[kind][3], outputs, project) == [], f"{kind} leaked"
