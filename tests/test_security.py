"""Answers are data: no Copier answer ever reaches a shell, and git records it as typed."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ADLS_ANSWERS, PYTHON, git, render_project, run

COPIER = str(Path(PYTHON).parent / "copier")


def without_git_identity(home: Path) -> dict[str, str]:
    """This process's environment with no git identity anywhere: no GIT_* variables,
    an empty HOME, no global or system configuration (a fresh CI runner)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    home.mkdir()
    (home / "gitconfig").write_text("")
    return {
        **env,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }


def hostile_answers(markers: Path) -> dict[str, str]:
    """Answers that would each create a file in `markers` if a shell ever evaluated them."""
    touch = f"touch {markers}/"
    return {
        "author_name": (
            f'Eve "JJ" O\'Brien $({touch}dollar) `{touch}backtick`; {touch}semicolon & '
            f"|| {touch}or \\ Doe"
        ),
        "author_email": f"eve$({touch.replace(' ', '${IFS}')}email)`id`;x@example.com",
        "description": f"Say \"hi\" $({touch}description); `{touch}tick` \\n 'quoted'",
    }


def test_hostile_answers_run_nothing_and_are_committed_as_typed(template_src, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    answers = hostile_answers(markers)
    project = tmp_path / "hostile project"
    data = [f"--data={key}={value}" for key, value in answers.items()]
    env = without_git_identity(tmp_path / "home")
    assert run(["git", "var", "GIT_AUTHOR_IDENT"], tmp_path, check=False, env=env).returncode
    command = [COPIER, "copy", "--trust", "--defaults", "--quiet", "--vcs-ref=HEAD"]
    run(
        [*command, *data, "--data=setup_environment=false", str(template_src), str(project)],
        tmp_path,
        env=env,
    )

    assert sorted(markers.iterdir()) == []
    author = run(["git", "log", "-1", "--format=%an%n%ae"], project, env=env).stdout
    assert author.splitlines() == [answers["author_name"], answers["author_email"]]
    assert git("status", "--porcelain", cwd=project) == ""
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == answers["description"]
    assert metadata["authors"] == [
        {"name": answers["author_name"], "email": answers["author_email"]}
    ]
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert {key: recorded[key] for key in answers} == answers


def test_a_configured_identity_wins_over_the_answers(template_src, tmp_path):
    env = without_git_identity(tmp_path / "home")
    run(["git", "config", "--global", "user.name", "Configured Person"], tmp_path, env=env)
    run(["git", "config", "--global", "user.email", "configured@example.com"], tmp_path, env=env)
    project = tmp_path / "project"
    command = [COPIER, "copy", "--trust", "--defaults", "--quiet", "--vcs-ref=HEAD"]
    answers = ["--data=author_name=Answered Person", "--data=author_email=answered@example.com"]
    run(
        [*command, *answers, "--data=setup_environment=false", str(template_src), str(project)],
        tmp_path,
        env=env,
    )

    author = run(["git", "log", "-1", "--format=%an <%ae>"], project, env=env).stdout.strip()
    assert author == "Configured Person <configured@example.com>"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"author_name": "Eve\nDoe"}, r"The author name 'Eve\\nDoe' contains '\\n'"),
        ({"author_name": "Eve\x1b[31m Doe"}, r"contains '\\x1b': type it on one line"),
        ({"author_name": "Eve\u2028Doe"}, "without control characters"),
        ({"author_name": "Eve <eve@example.com>"}, "contains '<' or '>'"),
        ({"author_name": "  "}, "The author name is empty"),
        ({"author_email": "eve@example.com\n"}, r"The e-mail address .* contains '\\n'"),
        ({"author_email": "eve\t@example.com"}, "contains '\\\\t'"),
        ({"author_email": "<eve@example.com>"}, "is not an e-mail address"),
        ({"description": "Line one\nline two"}, r"The description .* contains '\\n'"),
        ({"description": "\r"}, r"The description '\\r' contains '\\r'"),
    ],
)
def test_answers_with_control_characters_are_refused_with_a_fix(
    template_src, tmp_path, answers, message
):
    destination = tmp_path / "project"
    with pytest.raises(ValueError, match=message):
        render_project(template_src, destination, **{**ADLS_ANSWERS, **answers})
    assert not destination.exists()


def test_an_empty_description_is_allowed(render):
    project = render(description="")
    assert tomllib.loads((project / "pyproject.toml").read_text())["project"]["description"] == ""
