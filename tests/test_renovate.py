"""Generated projects keep their pins current: renovate.json is valid for Renovate, and
each of its managers finds what it is meant to update in every CI choice."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ADLS_ANSWERS, run
from tests.test_ci_files import CHECK_JSONSCHEMA, CI_FILES

# The copier manager's own file pattern (Renovate's lib/modules/manager/copier/index.ts).
COPIER_ANSWERS_PATTERN = r"(^|/)\.copier-answers(\..+)?\.ya?ml"
PINNED_USES = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    command = [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.renovate", str(path)]
    return run(command, path.parent, check=False)


def python_regex(renovate_regex: str) -> re.Pattern[str]:
    """A Renovate regular expression (`/.../` or a matchString) in Python's syntax."""
    return re.compile(renovate_regex.strip("/").replace("(?<", "(?P<"))


def config_of(project: Path) -> dict:
    return json.loads((project / "renovate.json").read_text())


def test_the_schema_check_can_fail(tmp_path):
    bad = tmp_path / "renovate.json"
    bad.write_text('{"lockFileMaintenance": {"enabled": "weekly"}}')
    result = validate(bad)
    assert result.returncode == 1
    assert "is not of type 'boolean'" in result.stdout


@pytest.mark.parametrize("platform", [*sorted(CI_FILES), "none"])
def test_renovate_config_is_valid_for_every_ci_choice(render, platform):
    project = render(ci_platform=platform)
    result = validate(project / "renovate.json")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("platform", sorted(CI_FILES))
def test_the_uv_version_of_every_ci_file_is_found(render, platform):
    project = render(ci_platform=platform, **ADLS_ANSWERS)
    relative = CI_FILES[platform][0]
    (uv_manager, *_) = config_of(project)["customManagers"]

    assert any(python_regex(p).search(relative) for p in uv_manager["managerFilePatterns"])
    (pattern,) = uv_manager["matchStrings"]
    found = python_regex(pattern).findall((project / relative).read_text())
    assert found == [re.search(r'UV_VERSION: "([^"]+)"', (project / relative).read_text())[1]]


def test_gitlabs_image_variable_is_found_for_digest_pinning(render):
    project = render(ci_platform="gitlab")
    text = (project / ".gitlab-ci.yml").read_text()
    image_manager = config_of(project)["customManagers"][1]
    (pattern,) = image_manager["matchStrings"]

    match = python_regex(pattern).search(text)
    assert match is not None
    assert (
        f"{match['depName']}:{match['currentValue']}"
        == yaml.safe_load(text)["variables"]["PYTHON_IMAGE"]
    )
    assert "docker:pinDigests" in config_of(project)["extends"]


def test_github_actions_are_pinned_the_way_renovate_updates_them(render):
    project = render(ci_platform="github")
    workflow = project / CI_FILES["github"][0]
    uses = re.findall(r"^\s+- uses: (.+)$", workflow.read_text(), re.MULTILINE)

    assert len(uses) == 2
    assert all(PINNED_USES.match(use) for use in uses), uses
    assert "helpers:pinGitHubActionDigests" in config_of(project)["extends"]


def test_copier_manager_finds_the_answers_and_may_run_the_update(render):
    project = render()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    (copier_rule,) = [
        rule for rule in config_of(project)["packageRules"] if rule["matchManagers"] == ["copier"]
    ]

    assert re.search(COPIER_ANSWERS_PATTERN, ".copier-answers.yml")
    assert {"_src_path", "_commit"} <= set(answers)  # what the copier manager reads
    assert copier_rule["ignoreScripts"] is False  # the update needs --trust
