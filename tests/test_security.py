"""Answers are data: no Copier answer ever reaches a shell, and git records it as typed."""

from __future__ import annotations

import ast
import io
import os
import re
import tomllib
from pathlib import Path

import copier
import jinja2
import pytest
import yaml
from dotenv import dotenv_values
from jinja2 import nodes
from markdown_it import MarkdownIt

from tests.conftest import ADLS_ANSWERS, PYTHON, REPO, git, render_project, run
from tests.test_questions import extensions

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
        # Beginning with '--': still the value of --author-name, not an option of its own.
        "author_name": (
            f'--Eve "JJ" O\'Brien $({touch}dollar) `{touch}backtick`; {touch}semicolon & '
            f"|| {touch}or \\ Doe"
        ),
        "author_email": f"--eve$({touch.replace(' ', '${IFS}')}email)`id`;x@example.com",
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
        # The review's attack: Python code in a string of the settings.
        (
            {"adls_base_path": 'x", "E": __import__("os").system("touch PWNED"), "Y": "z'},
            "is not a folder path: use a relative path of letters",
        ),
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
    # The README's security section: what is guaranteed, and what production must add.
    readme = (project / "README.md").read_text()
    for heading in ("### What Polster guarantees", "### What you must add in production"):
        assert heading in readme
    for promise in ("Answers never become code", "Secrets stay in `.env`", "never read outside"):
        assert promise in readme
    for duty in ("Authentication in front of the Dagster UI", "Network policies"):
        assert duty in readme


# Every question whose answer is free text, and the answers its validator must refuse.
HOSTILE_TEXT = ["two\nlines", "carriage\rreturn", "esc\x1b[31m", "nul\x00", "sep\u2028arator"]
HOSTILE_TEXT += [
    f"bidi{char}text" for char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
]
# Answers that name storage or code must also refuse what a quote or a path could do.
HOSTILE_NAMES = ['a"b', "a'b", "a\\b", "a$b", "a`b", "a#b", "a{{b}}", "--help", "../up"]
STRICT_QUESTIONS = {"project_name", "adls_account_name", "adls_container", "adls_base_path"}


def questions() -> dict[str, dict]:
    config = yaml.safe_load((REPO / "copier.yml").read_text())
    return {name: spec for name, spec in config.items() if not name.startswith("_")}


def validator_message(question: str, answer: str) -> str:
    """What the question's validator in copier.yml says about `answer` ('' = accepted)."""
    environment = jinja2.Environment(extensions=[extensions.PolsterFilters])
    template = environment.from_string(questions()[question]["validator"])
    return template.render(**{question: answer, "storage_backend": "adls"}).strip()


@pytest.mark.parametrize(
    "question",
    [
        name
        for name, spec in questions().items()
        if spec["type"] == "str" and not spec.get("choices")
    ],
)
def test_every_free_text_question_refuses_control_and_bidi_characters(question):
    assert "validator" in questions()[question], f"{question} has no validator"
    hostile = HOSTILE_TEXT + (HOSTILE_NAMES if question in STRICT_QUESTIONS else [])
    accepted = [answer for answer in hostile if not validator_message(question, answer)]
    assert accepted == []


# The filter each kind of file needs for an answer to stay data, by the rendered file's suffix.
FILTERS = {
    ".toml": {"toml_string"},
    ".py": {"python_string"},
    ".yml": {"yaml_string"},
    ".yaml": {"yaml_string"},
    ".md": {"markdown_text", "markdown_code"},
    ".example": {"dotenv_value"},
}
# Answers typed by the user. Derived names (package_name, distribution_name) are made of
# [a-z0-9_-] by construction from a validated project name.
ANSWERS = ["project_name", "description", "author_name", "author_email"]
ANSWERS += ["adls_account_name", "adls_container", "adls_base_path"]


def unfiltered_answers(path: Path) -> list[str]:
    """The answers a template file writes without its language's escaping filter."""
    name = re.sub(r"\{%.*?%\}", "", path.name.removesuffix(".jinja"))  # {% if %} in names
    allowed = FILTERS.get(Path(name).suffix, set())
    tree = jinja2.Environment().parse(path.read_text())

    def walk(node: nodes.Node, filtered: bool) -> list[str]:
        if isinstance(node, nodes.Name) and node.name in ANSWERS and not filtered:
            return [f"{path.relative_to(REPO)}:{node.lineno}: {node.name}"]
        if isinstance(node, nodes.Filter) and node.name in allowed:
            filtered = True
        return [found for child in node.iter_child_nodes() for found in walk(child, filtered)]

    return [
        found
        for output in tree.find_all(nodes.Output)
        for child in output.nodes
        if not isinstance(child, nodes.TemplateData)
        for found in walk(child, False)
    ]


def test_every_answer_reaching_a_file_goes_through_its_languages_escaping_filter():
    files = sorted((REPO / "template").rglob("*.jinja"))
    assert [line for path in files for line in unfiltered_answers(path)] == []


HOSTILE_VALUES = [
    "1e3",
    "no",
    'x", "E": __import__("os").system("touch PWNED"), "Y": "z',
    "data\ninjected:\n  script: [id]",
    "tab\tquote' back\\slash ${HOME} \u202e \u2028 \x00 \U0001f600 é",
]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_the_escaping_filters_keep_hostile_text_as_data(value):
    assert tomllib.loads(f"x = {extensions.toml_string(value)}")["x"] == value
    assert ast.literal_eval(extensions.python_string(value)) == value
    assert yaml.safe_load(f"x: {extensions.yaml_string(value)}") == {"x": value}
    assert yaml.safe_load(f"# x: {extensions.yaml_string(value)}\ny: 1") == {"y": 1}
    markdown = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    for rendered in (extensions.markdown_text(value), extensions.markdown_code(value)):
        tokens = [token for line in markdown.parse(rendered) for token in line.children or []]
        assert {token.type for token in tokens} <= {"text", "code_inline", "softbreak"}, rendered


def test_dotenv_values_stay_one_value_or_are_refused():
    for value in ["shop/data", "with space", "hash # not a comment", 'double "quote"']:
        line = f"X={extensions.dotenv_value(value)}\n"
        assert dotenv_values(stream=io.StringIO(line)) == {"X": value}
    for value in ["two\nY=lines", "quote'd", "dollar ${HOME}", "bidi\u202e"]:
        with pytest.raises(ValueError, match=r"cannot be written as one \.env value"):
            extensions.dotenv_value(value)


def test_a_hostile_answers_file_is_not_rendered_by_recopy(template_src, tmp_path):
    """An edited .copier-answers.yml is validated like typed answers: `copier recopy`
    falls back to the default rather than writing code or a CI job."""
    project = render_project(
        template_src, tmp_path / "project", ci_platform="github", **ADLS_ANSWERS
    )
    answers_file = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_file.read_text())
    answers["adls_base_path"] = "data\ninjected:\n  runs-on: ubuntu-latest\n  steps: [{run: id}]"
    answers["description"] = "Daily \u202erevenue"
    answers_file.write_text(yaml.safe_dump(answers))
    copier.run_recopy(str(project), defaults=True, overwrite=True, unsafe=True, quiet=True)

    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    assert list(workflow["jobs"]) == ["check"]
    settings = tomllib.loads((project / "pyproject.toml").read_text())
    assert settings["tool"]["polster"]["adls_base_path"] == "shop_pipeline/data"
    assert settings["project"]["description"] != answers["description"]
