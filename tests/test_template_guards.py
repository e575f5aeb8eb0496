"""Copies that must stay equal across the template boundary, guarded.

Some facts live twice because the two places cannot import each other: the template's
validators run inside Copier, the runtime runs in the user's project, and the
bootstrap script runs on a fresh GitHub runner. These tests fail when one copy changes
without the other.
"""

from __future__ import annotations

import re

import yaml

from scripts import bootstrap
from tests.conftest import REPO, polster

COPIER = yaml.safe_load((REPO / "copier.yml").read_text())
RUNTIME = REPO / "runtime" / "src" / "polster"


def pattern_in(path, name: str) -> str:
    """The regular expression a module compiles into `name`."""
    match = re.search(rf'^{name} = re\.compile\(r"([^"]+)"\)$', path.read_text(), re.MULTILINE)
    assert match, f"{name} = re.compile(...) not found in {path}"
    return match[1]


def test_the_adls_account_rule_is_the_same_in_the_question_and_the_settings():
    question = pattern_in(REPO / "extensions" / "context.py", "ADLS_ACCOUNT_PATTERN")
    settings = pattern_in(RUNTIME / "core" / "settings.py", "ADLS_ACCOUNT_PATTERN")
    assert question == settings


def test_bootstrap_offers_the_choices_of_the_questions():
    assert tuple(COPIER["storage_backend"]["choices"].values()) == bootstrap.STORAGE_BACKENDS
    assert tuple(COPIER["ci_platform"]["choices"].values()) == bootstrap.CI_PLATFORMS
    assert COPIER["storage_backend"]["default"] in bootstrap.STORAGE_BACKENDS
    assert COPIER["ci_platform"]["default"] in bootstrap.CI_PLATFORMS


def test_the_answers_file_has_one_name():
    name = COPIER["_answers_file"]
    update = (RUNTIME / "tooling" / "update.py").read_text()
    assert f'ANSWERS_FILE = "{name}"' in update
    assert (REPO / "template" / "{{_copier_conf.answers_file}}.jinja").is_file()


def test_the_readme_lineage_is_what_polster_graph_draws(render):
    for include_examples in (True, False):
        project = render(include_examples=include_examples)
        readme = (project / "README.md").read_text()
        drawn = polster(project, "graph").stdout
        shown = readme.split("<!-- polster:graph:start -->\n```mermaid\n")[1].split("```")[0]
        assert shown == drawn, f"include_examples={include_examples}"
        assert (project / "README.md").read_text() == readme
