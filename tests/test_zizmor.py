"""GitHub workflows pass an offline zizmor audit with no medium or high finding, in each of
zizmor's personas (regular, pedantic, auditor): this repository's own, and the CI a
rendered project gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ADLS_ANSWERS, PYTHON, REPO, run

ZIZMOR = str(Path(PYTHON).parent / "zizmor")
# A workflow with the faults zizmor must catch: an input expanded inside a script,
# an action by tag, checkout keeping its credentials, the default permissions.
CANARY = """\
on:
  workflow_dispatch:
    inputs:
      name: {type: string}
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ inputs.name }}"
"""


PERSONAS = ("regular", "pedantic", "auditor")


def findings(path: Path, persona: str = "regular") -> list[str]:
    """Medium and high zizmor findings in the workflows under `path`, one line each."""
    command = [ZIZMOR, "--offline", "--no-config", "--no-exit-codes", "--no-progress"]
    command.append(f"--persona={persona}")
    result = run([*command, "--format", "json", "--min-severity", "medium", str(path)], REPO)
    return [
        f"{finding['ident']} ({finding['determinations']['severity']}): "
        f"line {location['concrete']['location']['start_point']['row'] + 1}, "
        f"{location['concrete']['feature']!r}"
        for finding in json.loads(result.stdout)
        for location in finding["locations"][:1]
    ]


def test_zizmor_finds_what_it_should(tmp_path):
    """The check can fail: a workflow with known faults gets medium and high findings."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "canary.yml").write_text(CANARY)

    idents = {line.split()[0] for line in findings(workflows)}
    assert {"template-injection", "unpinned-uses", "artipacked"} <= idents


@pytest.mark.parametrize("persona", PERSONAS)
def test_this_repositorys_workflows_have_no_medium_or_high_finding(persona):
    assert findings(REPO / ".github" / "workflows", persona) == []


@pytest.mark.parametrize("storage", ["local", "adls"])
def test_a_rendered_projects_github_ci_has_no_medium_or_high_finding(render, storage):
    project = render(ci_platform="github", **(ADLS_ANSWERS if storage == "adls" else {}))
    workflows = project / ".github" / "workflows"
    found = {persona: findings(workflows, persona) for persona in PERSONAS}
    assert found == {persona: [] for persona in PERSONAS}
