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
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

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
