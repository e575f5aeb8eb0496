"""Fixtures of the runtime's unit tests: the sample project, real Delta tables in tmp_path
(`store`, from the pytest plugin projects use)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from polster.core.paths import use_project_root
from polster.core.settings import get_settings
from polster.testing import store as store  # the plugin's fixture, as projects get it

SAMPLE_PROJECT = Path(__file__).parent / "sample_project"


@pytest.fixture(scope="session")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of tests/sample_project, under a folder whose name has a space, that this
    process works on (its root, settings and asset modules)."""
    project = tmp_path_factory.mktemp("runtime tests") / "sample project"
    shutil.copytree(SAMPLE_PROJECT, project)
    use_project_root(project)
    get_settings.cache_clear()
    yield project
    use_project_root(None)
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _in_sample_project(sample_project: Path) -> Path:
    return sample_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the sample project of its own, under folders whose names have a space, for
    tests that run its commands in processes of their own."""
    copy = tmp_path / "Jane Doe" / "my project"
    ignored = shutil.ignore_patterns("data", ".dagster", ".polster", "__pycache__")
    shutil.copytree(SAMPLE_PROJECT, copy, ignore=ignored)
    return copy


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """A command in a process of its own, without the caller's Polster or Dagster settings."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POLSTER_")}
    environment.pop("DAGSTER_HOME", None)
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, env={**environment, **env}
    )
