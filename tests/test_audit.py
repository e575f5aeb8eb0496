"""`make audit` in a generated project: pip-audit over exactly what uv.lock pins.

The OSV service cannot be reached here, so these tests point pip-audit at a real local
OSV-compatible server (tests/osv_server.py, through pip-audit's own PIP_AUDIT_OSV_URL):
the target, uv's export and pip-audit all run for real; only the vulnerability data is
the test's.
"""

from __future__ import annotations

import socket
import tomllib
from pathlib import Path

import pytest

from tests.conftest import PYTHON, project_env, run
from tests.osv_server import osv_server

VULN = "GHSA-test-0001"


@pytest.fixture(scope="module")
def project(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rendered project with its uv.lock, as `make setup` leaves it."""
    from tests.conftest import render_project

    project = render_project(template_src, tmp_path_factory.mktemp("audit with space") / "shop")
    run(["uv", "lock", "--quiet"], project, env=project_env(project))
    return project


def locked(project: Path) -> set[tuple[str, str]]:
    """(name, version) of every package uv.lock pins (some twice: per Python version)."""
    packages = tomllib.loads((project / "uv.lock").read_text())["package"]
    return {(package["name"], package["version"]) for package in packages}


def locked_version(project: Path, name: str) -> str:
    (version,) = [version for locked_name, version in locked(project) if locked_name == name]
    return version


def audit(project: Path, osv_url: str, *variables: str):
    command = ["make", "--no-print-directory", "audit", f"PYTHON={PYTHON}", *variables]
    return run(
        command, project, check=False, env={**project_env(project), "PIP_AUDIT_OSV_URL": osv_url}
    )


def test_audit_queries_every_locked_version_and_passes_when_none_is_affected(project):
    with osv_server() as osv:
        result = audit(project, osv.url)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No known vulnerabilities found" in result.stderr
    queried = set(osv.queries)
    assert len(queried) == len(osv.queries)  # each pin once
    assert queried <= locked(project)
    for name in ("polars", "dagster", "deltalake", "pip-audit", "ruff"):  # runtime and dev
        assert (name, locked_version(project, name)) in queried
    assert "shop" not in {name for name, _ in queried}  # the project itself is not on PyPI


def test_audit_fails_and_names_the_fix_when_a_locked_version_is_affected(project):
    version = locked_version(project, "polars")
    with osv_server() as osv:
        osv.add("polars", version, VULN, "99.0.0")
        result = audit(project, osv.url)

    assert result.returncode != 0, result.stdout + result.stderr
    assert "Found 1 known vulnerability in 1 package" in result.stderr
    assert "error: audit: vulnerabilities found" in result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("polars ")]
    assert line.split() == ["polars", version, VULN, "99.0.0"]


def test_an_assessed_finding_can_be_ignored(project):
    with osv_server() as osv:
        osv.add("polars", locked_version(project, "polars"), VULN, "99.0.0")
        result = audit(project, osv.url, f"IGNORE_VULNS={VULN}")

    assert result.returncode == 0, result.stdout + result.stderr


def test_without_a_lock_the_audit_fails_instead_of_passing_on_nothing(project, tmp_path):
    lock = project / "uv.lock"
    saved = tmp_path / "uv.lock"
    lock.rename(saved)
    try:
        with osv_server() as osv:
            result = audit(project, osv.url)
    finally:
        saved.rename(lock)

    assert result.returncode != 0
    assert "uv.lock" in result.stderr
    assert osv.queries == []
    assert "No known vulnerabilities" not in result.stdout


def test_offline_the_audit_fails_closed_and_says_the_service_is_unreachable(project):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = audit(project, f"http://127.0.0.1:{port}/v1/query")

    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert f"vulnerability service unreachable (OSV at 127.0.0.1:{port})" in errors[0]
    assert "vulnerabilities found" not in result.stderr
