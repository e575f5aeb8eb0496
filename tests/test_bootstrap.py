"""scripts/bootstrap.py: what "Use this template" runs in a repository created from Polster."""

from __future__ import annotations

import shutil
from pathlib import Path

import copier
import pytest
import yaml

from tests.conftest import PYTHON, REPO, git, run


@pytest.fixture
def created_from_template(template_src: Path, tmp_path: Path) -> Path:
    """What GitHub creates: a new repository whose one commit holds the template's files."""
    checkout = tmp_path / "My.Data-Repo"
    shutil.copytree(template_src, checkout, ignore=shutil.ignore_patterns(".git"))
    git("init", "--quiet", "--initial-branch=main", cwd=checkout)
    git("add", "--all", cwd=checkout)
    git("commit", "--quiet", "-m", "Initial commit", cwd=checkout)
    return checkout


def bootstrap(checkout: Path, template: Path, *args: str, check: bool = True):
    script = str(REPO / "scripts" / "bootstrap.py")
    command = [PYTHON, script, "--template-url", str(template), "--project-name", checkout.name]
    return run([*command, *args], checkout, check=check)


def test_bootstrap_renders_the_project_in_place_and_commits_once(
    created_from_template, template_src
):
    bootstrap(created_from_template, template_src, "--ci-platform", "gitlab")
    checkout = created_from_template

    answers = yaml.safe_load((checkout / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(template_src)
    assert answers["_commit"]
    assert answers["project_name"] == "My_Data-Repo"
    assert answers["ci_platform"] == "gitlab"
    assert (checkout / "src" / "orchestration" / "definitions.py").is_file()
    assert (checkout / ".gitlab-ci.yml").is_file()
    for template_only in ("copier.yml", "template", "runtime", "extensions", "scripts", ".github"):
        assert not (checkout / template_only).exists()
    assert git("rev-list", "--count", "HEAD", cwd=checkout) == "2"
    assert git("status", "--porcelain", cwd=checkout) == ""


def test_copier_update_accepts_the_bootstrapped_project(created_from_template, template_src):
    bootstrap(created_from_template, template_src)

    copier.run_update(created_from_template, defaults=True, unsafe=True, overwrite=True, quiet=True)

    assert git("status", "--porcelain", cwd=created_from_template) == ""


def test_bad_answers_stop_the_bootstrap_and_change_nothing(created_from_template, template_src):
    before = git("rev-parse", "HEAD", cwd=created_from_template)
    result = bootstrap(
        created_from_template, template_src, "--storage-backend", "adls", check=False
    )

    assert result.returncode == 1
    assert "is not an Azure storage account name" in result.stderr
    assert git("rev-parse", "HEAD", cwd=created_from_template) == before
    assert git("status", "--porcelain", cwd=created_from_template) == ""


@pytest.mark.parametrize(
    ("repository", "project"),
    [("sales", "sales"), ("My.Data-Repo", "My_Data-Repo"), ("2024-report", "project_2024-report")],
)
def test_project_names_come_from_repository_names(repository, project):
    import importlib.util

    spec = importlib.util.spec_from_file_location("bootstrap", REPO / "scripts" / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.project_name_from(repository) == project
