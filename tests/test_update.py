"""`copier update` on generated projects: real git repositories, real version tags.

The template is committed and tagged OLD, then changed the way a Polster release
changes it (Polster-owned files only) and tagged NEW. Projects are copied at OLD,
changed by their "user" and committed, then updated with `make update`.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
import yaml

from tests.conftest import (
    PYTHON,
    committed_copy,
    edit,
    git,
    make,
    polster,
    project_env,
    render_project,
    run,
)

OLD, NEW = "0.0.9", "0.1.0"  # NEW crosses the 0.1.0 migration (tests of assets move)
GITHUB_CI = "template/{% if ci_platform == 'github' %}.github{% endif %}/workflows/ci.yml.jinja"
# What the NEW release changes, in files Polster owns: (path, old text, new text).
NEW_RELEASE_EDITS = [
    (
        "template/src/orchestration/definitions.py",
        "`dagster dev` and the UI load.",
        "`dagster dev` and the UI load, always.",
    ),
    (
        "template/Makefile",
        "\nupdate-check:",
        "\nversion: ## Show the Polster version\n\t@$(POLSTER) --version\n\nupdate-check:",
    ),
    (GITHUB_CI, "name: CI\n", "name: Pipeline CI\n"),
    (
        "template/README.md.jinja",
        "- **`port 3000 is already in use`**",
        "- **A run seems stuck**: `python run_polster.py --status` shows the last runs.\n"
        "- **`port 3000 is already in use`**",
    ),
]
CONFLICT_MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template with two releases: OLD (this checkout) and NEW (Polster files changed)."""
    src = committed_copy(tmp_path_factory.mktemp("releases"))
    git("tag", OLD, cwd=src)
    for relative, old, new in NEW_RELEASE_EDITS:
        edit(src / relative, old, new)
    git("commit", "--quiet", "--all", "-m", "next release", cwd=src)
    git("tag", NEW, cwd=src)
    return src


def copy_at_old_version(releases: Path, destination: Path, **answers: object) -> Path:
    """A project copied at OLD and committed, as `copier copy` + its git task leave it."""
    render_project(releases, destination, vcs_ref=OLD, **answers)
    git("init", "--quiet", "--initial-branch=main", cwd=destination)
    commit_all(destination, "Start from Polster")
    return destination


def commit_all(project: Path, message: str) -> None:
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "-m", message, cwd=project)


def answers(project: Path) -> dict:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def leftovers(project: Path) -> list[str]:
    """`.rej` files and files with conflict markers anywhere in the project."""
    found = [str(path) for path in project.rglob("*.rej")]
    for path in project.rglob("*"):
        if ".git" in path.parts or not path.is_file() or "data" in path.parts:
            continue
        lines = path.read_text(errors="ignore").splitlines()
        found += [f"{path}: {line}" for line in lines if line.startswith(CONFLICT_MARKERS)]
    return found


def readme_command(project: Path, command: str) -> subprocess.CompletedProcess[str]:
    """Run a `make ...` command exactly as the project's README shows it."""
    assert command in (project / "README.md").read_text()
    make_word, target, *variables = shlex.split(command)
    assert make_word == "make"
    return make(project, target, **dict(item.split("=", 1) for item in variables))


@pytest.fixture
def project(releases: Path, tmp_path: Path) -> Path:
    return copy_at_old_version(releases, tmp_path / "shop_pipeline")


def test_update_keeps_the_users_work_and_brings_the_new_version(releases, tmp_path):
    project = copy_at_old_version(releases, tmp_path / "shop_pipeline")
    # The user grows the pipeline, edits core logic and the README, and runs it.
    polster(
        project,
        "add-asset",
        "--layer",
        "silver",
        "--name",
        "clean_customers",
        "--dependencies",
        "bronze_example",
    )
    polster(
        project,
        "add-asset",
        "--layer",
        "gold",
        "--name",
        "customer_summary",
        "--dependencies",
        "clean_customers",
    )
    polster(project, "remove-asset", "--layer", "gold", "--name", "example")
    edit(
        project / "src/core/silver_example.py",
        '    "quantity below 1": pl.col("quantity") < 1,\n',
        '    "quantity below 1": pl.col("quantity") < 1,\n'
        '    "quantity above 100": pl.col("quantity") > 100,  # the shop\'s limit\n',
    )
    edit(
        project / "README.md",
        "\n## Quick start\n",
        "\n## Our data\n\nOrders come from the shop's nightly export.\n\n## Quick start\n",
    )
    # A test written before tests of assets moved to tests/assets/ (the 0.1.0 migration).
    user_test = "def test_customers_are_counted():\n    assert True\n"
    (project / "tests/test_silver_clean_customers.py").write_text(user_test)
    run([PYTHON, "run_polster.py"], project, env=project_env(project))
    commit_all(project, "Customers pipeline")
    kept = {
        path: (project / path).read_bytes()
        for path in (
            "src/core/silver_clean_customers.py",
            "src/core/gold_customer_summary.py",
            "src/orchestration/assets/silver/run_silver_clean_customers.py",
            "src/orchestration/assets/gold/run_gold_customer_summary.py",
            "src/core/silver_example.py",
        )
    }
    gold_rows = pl.read_delta(str(project / "data/gold/customer_summary")).height

    result = make(project, "update")

    assert f"{OLD} -> {NEW}" in result.stdout
    assert "moved tests/test_silver_clean_customers.py to tests/assets/" in result.stdout
    assert answers(project)["_commit"] == NEW
    # The user's work is intact...
    for path, content in kept.items():
        assert (project / path).read_bytes() == content, path
    readme = (project / "README.md").read_text()
    assert "Orders come from the shop's nightly export." in readme
    assert "silver_clean_customers --> gold_customer_summary" in readme
    assert (project / "tests/assets/test_silver_clean_customers.py").read_text() == user_test
    assert not (project / "tests/test_silver_clean_customers.py").exists()
    assert pl.read_delta(str(project / "data/gold/customer_summary")).height == gold_rows
    # ...deleted examples stay deleted...
    assert not (project / "src/core/gold_example.py").exists()
    assert not (project / "tests/assets/test_gold_example.py").exists()
    # ...and the new version arrived, merged cleanly.
    definitions = (project / "src/orchestration/definitions.py").read_text()
    assert "and the UI load, always." in definitions
    assert "name: Pipeline CI" in (project / ".github/workflows/ci.yml").read_text()
    assert "A run seems stuck" in readme
    assert "template 0.1.0" in make(project, "version").stdout
    assert leftovers(project) == []
    assert "passed" in run([PYTHON, "-m", "pytest", "-q"], project, env=project_env(project)).stdout
    assert "OK: 4 asset(s)" in make(project, "validate").stdout


def test_update_check_tells_whether_a_newer_version_is_out(project):
    assert (
        f"Polster {NEW} is available (this project: {OLD})" in make(project, "update-check").stdout
    )
    make(project, "update")
    commit_all(project, "Update Polster")

    assert f"on the latest Polster template ({NEW})" in make(project, "update-check").stdout
    assert f"Template: {answers(project)['_src_path']}" in make(project, "update").stdout
    assert f"Nothing changed: this project is on Polster {NEW}" in make(project, "update").stdout
    assert git("status", "--porcelain", cwd=project) == ""


def test_uncommitted_changes_refuse_the_update_and_change_nothing(project):
    (project / "src/core/silver_example.py").write_text("# half-written\n")
    (project / "notes.txt").write_text("ideas\n")

    result = make(project, "update", check=False)

    assert result.returncode != 0
    assert "2 uncommitted change(s)" in result.stderr
    assert "git stash -u" in result.stderr
    assert answers(project)["_commit"] == OLD
    assert (project / "src/core/silver_example.py").read_text() == "# half-written\n"
    assert run(["git", "status", "--porcelain"], project).stdout.splitlines() == [
        " M src/core/silver_example.py",
        "?? notes.txt",
    ]


def test_a_failed_update_leaves_the_project_at_its_last_commit(project):
    result = make(project, "update", check=False, VCS_REF="9.9.9")

    assert result.returncode != 0
    assert "the project is back at its last commit" in result.stderr
    assert git("status", "--porcelain", "--untracked-files=all", cwd=project) == ""
    assert answers(project)["_commit"] == OLD


@pytest.mark.parametrize("style", ["inline", "rej"])
def test_a_conflicting_edit_is_shown_not_lost(project, style):
    definitions = project / "src/orchestration/definitions.py"
    edit(definitions, "and the UI load.", "and the UI load (ours).")
    commit_all(project, "Our definitions wording")

    result = make(project, "update", check=False, CONFLICT=style)

    assert result.returncode != 0
    assert "src/orchestration/definitions.py" in result.stderr
    assert "git reset --hard HEAD && git clean -fd" in result.stderr
    text = definitions.read_text()
    if style == "inline":
        ours, theirs = "the UI load (ours).", "the UI load, always."
        conflict = (
            rf"<<<<<<< before updating\n.*{re.escape(ours)}\n=======\n"
            rf".*{re.escape(theirs)}\n>>>>>>> after updating\n"
        )
        assert re.search(conflict, text), text
        assert "UU src/orchestration/definitions.py" in git("status", "--porcelain", cwd=project)
    else:
        assert "the UI load, always." in text
        rejected = project / "src/orchestration/definitions.py.rej"
        assert "the UI load (ours)." in rejected.read_text()
    # Files without conflicts were updated all the same.
    assert "name: Pipeline CI" in (project / ".github/workflows/ci.yml").read_text()


def test_reanswering_switches_the_ci_platform(project):
    readme_command(project, 'make update VCS_REF=:current: DATA="ci_platform=gitlab"')

    assert answers(project)["ci_platform"] == "gitlab"
    assert answers(project)["_commit"] == OLD
    assert not (project / ".github").exists()
    assert "make test" in (project / ".gitlab-ci.yml").read_text()
    assert leftovers(project) == []


def test_reanswering_switches_the_storage_backend(project):
    readme_command(
        project,
        'make update VCS_REF=:current: DATA="storage_backend=adls '
        'adls_account_name=mydatalake adls_container=lake"',
    )

    assert answers(project)["storage_backend"] == "adls"
    assert 'adls_account_name = "mydatalake"' in (project / "pyproject.toml").read_text()
    assert "ADLS_ACCOUNT_NAME=mydatalake" in (project / ".env.example").read_text()
    assert leftovers(project) == []
    result = run([PYTHON, "-m", "pytest", "-q"], project, env=project_env(project))
    assert "failed" not in result.stdout


def test_reanswering_removes_the_examples(project):
    readme_command(project, 'make update VCS_REF=:current: DATA="include_examples=false"')

    assert not list((project / "src/core").glob("*_example.py"))
    assert not (project / "tests/assets").exists()
    assert "OK: 0 asset(s)" in make(project, "validate").stdout
    assert leftovers(project) == []


def test_recopy_is_the_escape_hatch(project):
    (project / "Makefile").write_text("broken:\n")
    (project / "src/orchestration/definitions.py").unlink()
    commit_all(project, "An update gone wrong")
    command = "uv run copier recopy --trust --defaults --overwrite"
    assert command in (project / "README.md").read_text()

    run([PYTHON, "-m", "copier", *shlex.split(command)[3:]], project, env=project_env(project))

    assert "update-check:" in (project / "Makefile").read_text()
    assert (project / "src/orchestration/definitions.py").is_file()


def test_the_migration_moves_only_tests_of_existing_assets_and_is_idempotent(project):
    tests = project / "tests"
    (tests / "test_silver_example.py").write_text("# mine, tracked\n")
    (tests / "assets/test_silver_example.py").unlink()  # the new place is free
    commit_all(project, "An asset test in the old place")
    (tests / "test_bronze_example.py").write_text("# mine, untracked\n")
    (tests / "test_silver_gone.py").write_text("# no such asset\n")
    migration = [PYTHON, str(Path(__file__).parents[1] / "migrations/asset_tests_folder.py")]

    first = run(migration, project).stdout
    second = run(migration, project).stdout

    assert "moved tests/test_silver_example.py to tests/assets/test_silver_example.py" in first
    assert second == ""
    assert (tests / "assets/test_silver_example.py").read_text() == "# mine, tracked\n"
    assert "R  tests/test_silver_example.py -> tests/assets/test_silver_example.py" in git(
        "status", "--porcelain", cwd=project
    )
    # The new place was taken (the example's own test) and the other asset does not exist.
    assert (tests / "test_bronze_example.py").exists()
    assert (tests / "test_silver_gone.py").exists()


def test_the_update_task_needs_a_git_repository(releases, tmp_path):
    project = tmp_path / "no_git"
    render_project(releases, project, vcs_ref=OLD, project_name="no_git")
    shutil.rmtree(project / ".git", ignore_errors=True)

    result = make(project, "update", check=False)

    assert result.returncode != 0
    assert "git init" in result.stderr


def test_an_update_from_another_template_source_stops_and_says_so(releases, project, tmp_path):
    """A one-line commit that points _src_path at another template (whose task would run
    with --trust) stops the update in one line; the source is shown on every update."""
    evil = tmp_path / "evil"
    marker = tmp_path / "PWNED"
    evil.mkdir()
    (evil / "copier.yml").write_text(f'_tasks:\n  - command: [touch, "{marker}"]\n')
    (evil / "README.md").write_text("evil\n")
    git("init", "--quiet", cwd=evil)
    commit_all(evil, "evil")
    for tag in (OLD, "v99.0.0"):
        git("tag", tag, cwd=evil)
    answers_file = project / ".copier-answers.yml"
    answers_file.write_text(answers_file.read_text().replace(str(releases), str(evil)))
    commit_all(project, "Point the template elsewhere")

    result = make(project, "update", check=False)

    assert not marker.exists()
    assert result.returncode != 0
    assert f"Template: {evil}" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert f"now names the template {evil}, not {releases}" in errors[0]
    assert "--new-source" in errors[0]
    assert "Traceback" not in result.stderr
    assert answers(project)["_commit"] == OLD
    assert git("status", "--porcelain", cwd=project) == ""


def test_answers_that_no_longer_validate_get_one_line_that_says_what_to_type(project):
    """The prompt once allowed deployment=kubernetes with local tables; each update
    re-renders the project's version from its answers, which the validators refuse."""
    refused = make(project, "update", check=False, DATA="ci_platform=foo")
    assert "error: DATA=ci_platform=foo is refused: 'foo' is not in [" in refused.stderr
    assert "Traceback" not in refused.stderr

    edit(project / ".copier-answers.yml", "deployment: none", "deployment: kubernetes")
    commit_all(project, "Kubernetes, as the prompt allowed")
    # Re-answering with DATA does not help: the refusal is of the recorded answer, not DATA's.
    refused = make(project, "update", check=False, DATA="deployment=docker")

    assert "Traceback" not in refused.stderr
    (line,) = [line for line in refused.stderr.splitlines() if line.startswith("error:")]
    assert "answer to deployment in .copier-answers.yml no longer validates" in line
    assert "cannot share a local data/ folder" in line
    assert git("status", "--porcelain", "--untracked-files=all", cwd=project) == ""

    # The way out the line gives: re-answer (the README's escape hatch, with the answer).
    fix = re.search(r"`uv run (copier recopy [^`]*) --data deployment=VALUE`", line)
    command = [*shlex.split(fix.group(1)), "--data", "deployment=docker"]
    run([PYTHON, "-m", *command], project, env=project_env(project))
    assert answers(project)["deployment"] == "docker"
    assert (project / "deploy" / "compose.yaml").is_file()
