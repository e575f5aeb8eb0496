"""The CI file of each platform: valid for its platform, and running the project's own targets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import ADLS_ANSWERS, PYTHON, REPO, run

CHECK_JSONSCHEMA = str(Path(PYTHON).parent / "check-jsonschema")
CI_FILES = {
    "github": (".github/workflows/ci.yml", "vendor.github-workflows"),
    "azure-devops": ("azure-pipelines.yml", "vendor.azure-pipelines"),
    "gitlab": (".gitlab-ci.yml", "vendor.gitlab-ci"),
}
REQUIRED_TARGETS = ["setup", "lint", "validate", "test", "definitions", "audit"]
UV_INSTALL = re.compile(r'^python -m pip install "uv==\$(\(UV_VERSION\)|\{UV_VERSION\})"$')


def validate_schema(path: Path, schema: str) -> None:
    # GitLab's schema uses regular expressions that only Python's engine compiles.
    run(
        [CHECK_JSONSCHEMA, "--regex-variant", "python", "--builtin-schema", schema, str(path)], REPO
    )


def commands_of(platform: str, config: dict) -> list[str]:
    """The shell commands a CI file runs, in order."""
    if platform == "github":
        return [step["run"] for step in config["jobs"]["check"]["steps"] if "run" in step]
    if platform == "azure-devops":
        return [step["script"] for step in config["steps"] if "script" in step]
    job = config["check"]
    return [*job["before_script"], *job["script"]]


def makefile_targets(project: Path) -> set[str]:
    return set(re.findall(r"^([a-z-]+):", (project / "Makefile").read_text(), re.MULTILINE))


@pytest.mark.parametrize("storage", ["local", "adls"])
@pytest.mark.parametrize("platform", sorted(CI_FILES))
def test_ci_file_is_valid_and_runs_the_projects_own_targets(render, platform, storage):
    answers = ADLS_ANSWERS if storage == "adls" else {}
    project = render(ci_platform=platform, **answers)
    relative, schema = CI_FILES[platform]
    path = project / relative

    validate_schema(path, schema)
    commands = commands_of(platform, yaml.safe_load(path.read_text()))
    make_targets = [
        command.removeprefix("make ") for command in commands if command.startswith("make ")
    ]
    others = [command for command in commands if not command.startswith("make ")]
    assert make_targets == REQUIRED_TARGETS
    assert set(make_targets) <= makefile_targets(project)
    assert all(UV_INSTALL.match(command) for command in others), others
    readme = (project / "README.md").read_text()
    assert "make lint" in readme
    assert "make test" in readme


@pytest.mark.parametrize("platform", sorted(CI_FILES))
def test_ci_never_pushes_or_commits_data_and_pins_versions_once(render, platform):
    project = render(ci_platform=platform, **ADLS_ANSWERS)
    text = (project / CI_FILES[platform][0]).read_text()
    active = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))

    for forbidden in ("git push", "git commit", "--force", ".dagster", "data/"):
        assert forbidden not in text
    assert len(re.findall(r"UV_VERSION: \"0\.\d+\.\d+\"", active)) == 1
    assert len(re.findall(r'^ *UV_LOCKED: "1"$', active, re.MULTILINE)) == 1  # uv sync --locked
    assert "ADLS_ACCOUNT_KEY" in text  # the optional production run reads the secret...
    assert "ADLS_ACCOUNT_KEY:" not in active  # ...only in the commented, opt-in part


def test_github_ci_has_least_privilege(render):
    project = render(ci_platform="github")
    config = yaml.safe_load((project / CI_FILES["github"][0]).read_text())
    assert config["permissions"] == {}
    assert {name: job["permissions"] for name, job in config["jobs"].items()} == {
        "check": {"contents": "read"}
    }


def test_no_ci_platform_means_no_ci_file(render):
    project = render(ci_platform="none")
    assert not any((project / relative).exists() for relative, _ in CI_FILES.values())
    assert not (project / ".github").exists()


def test_this_repositorys_workflows_are_valid_and_run_make_test():
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    for workflow in workflows:
        validate_schema(workflow, "vendor.github-workflows")
    ci = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    runs = [step.get("run") for step in ci["jobs"]["test"]["steps"]]
    assert runs[-2:] == ["make lint", "make test"]
    assert ci["jobs"]["test"]["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]


@pytest.mark.parametrize("platform", ["azure-devops", "gitlab"])
def test_ci_scripts_read_values_from_the_environment_only(render, platform):
    """No macro, template expression or command substitution is expanded into a script,
    and no script prints a value (secrets come from the platform's store)."""
    project = render(ci_platform=platform, **ADLS_ANSWERS)
    config = yaml.safe_load((project / CI_FILES[platform][0]).read_text())
    for command in commands_of(platform, config):
        for expansion in ("$(", "${{", "$[[", "`", "echo", "printenv"):
            assert expansion not in command, command
