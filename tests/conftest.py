"""Fixtures for the template's tests: a committed copy of the template, and renders of it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import copier
import polars as pl
import pytest
from deltalake import DeltaTable

from bench.project import snapshot_template
from tests.postgres import PostgresServer, postgres_bin, start_postgres

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# Answers that keep renders fast and side-effect free; tests override what they exercise.
FAST_ANSWERS = {"setup_environment": False, "init_git": False}
ADLS_ANSWERS = {
    "storage_backend": "adls",
    "adls_account_name": "polsterdata",
    "adls_container": "lake",
}
# Commits made by tests (and by the template's git task) need an identity on CI machines.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Polster Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Polster Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}

Render = Callable[..., Path]
# What a rendered project's own `pytest` reports (no assets: the pipeline tests skip).
GENERATED_TESTS = "67 passed"
GENERATED_TESTS_WITHOUT_EXAMPLES = "56 passed, 4 skipped"


def pytest_configure(config: pytest.Config) -> None:
    os.environ.update(GIT_IDENTITY)
    # Rendered projects' `uv sync` must build their own .venv, not look at this suite's.
    os.environ.pop("VIRTUAL_ENV", None)


def run(
    command: list[str] | str, cwd: Path, check: bool = True, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run a command in `cwd`, capturing text output; fail loudly with it when `check`."""
    result = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        shell=isinstance(command, str),
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{command!r} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def git(*args: str, cwd: Path) -> str:
    return run(["git", *args], cwd=cwd).stdout.strip()


def committed_copy(src: Path) -> Path:
    """Copy this repository's working tree into `src` and commit it there, as one commit."""
    return snapshot_template(src)


@pytest.fixture(scope="session")
def template_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of this repository's working tree, as Copier would clone it."""
    return committed_copy(tmp_path_factory.mktemp("template"))


def render_project(src: Path, dst: Path, vcs_ref: str | None = "HEAD", **answers: object) -> Path:
    """Render the template (at `vcs_ref`; None: its latest tag) into `dst`, return `dst`."""
    copier.run_copy(
        str(src),
        dst,
        data={**FAST_ANSWERS, "project_name": "shop_pipeline", **answers},
        defaults=True,
        unsafe=True,
        quiet=True,
        vcs_ref=vcs_ref,
    )
    return dst


@pytest.fixture
def render(template_src: Path, tmp_path: Path) -> Render:
    """Render the template into a new folder of this test's tmp_path."""
    counter = iter(range(1000))

    def _render(**answers: object) -> Path:
        return render_project(template_src, tmp_path / f"project{next(counter)}", **answers)

    return _render


def isolated_env(project: Path, **overrides: str) -> dict[str, str]:
    """This process's environment for running commands in a rendered project.

    Nested pytest runs get their own temporary root: pytest deletes all but the newest
    three `pytest-N` folders of a root, which would include this session's renders.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "DAGSTER_HOME"}}
    temp_root = project.parent / f"{project.name}-pytest-temp"
    temp_root.mkdir(exist_ok=True)
    env["PYTEST_DEBUG_TEMPROOT"] = str(temp_root)
    return {**env, **overrides}


def project_env(project: Path) -> dict[str, str]:
    """Environment for running a rendered project with this suite's Python (not installed)."""
    return isolated_env(project, PYTHONPATH=str(project / "src"))


def polster(project: Path, *args: str, stdin: int | None = None, check: bool = True):
    """Run `python -m polster ...` in the project without a terminal."""
    command = [PYTHON, "-m", "polster", *args]
    result = run(command, project, check=False, env=project_env(project), stdin=stdin)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file by `new`; `old` must be there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def make(project: Path, target: str, check: bool = True, **variables: str):
    """Run a make target with this suite's Python (the project has no .venv of its own)."""
    assignments = [f"{name}={value}" for name, value in variables.items()]
    command = ["make", "--no-print-directory", target, f"PYTHON={PYTHON}", *assignments]
    return run(command, project, check=check, env=project_env(project))


class _PlainPathTable(DeltaTable):
    """delta-rs percent-encodes local file paths; Polars opens them as they are."""

    def file_uris(self, partition_filters=None):
        return [unquote(uri) for uri in super().file_uris(partition_filters)]


def read_table(path: Path, version: int | None = None) -> pl.DataFrame:
    """A local Delta table as a frame, also under a folder whose name has a space."""
    return pl.scan_delta(_PlainPathTable(str(path), version)).collect()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A real PostgreSQL server (system package) for the whole session, on 127.0.0.1."""
    if postgres_bin() is None:
        pytest.skip(
            "SKIPPED LOUDLY: PostgreSQL is not installed (initdb missing) and .ci/run could "
            "not install it: apt-get install -y postgresql"
        )
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    yield server
    server.stop()
