"""`make release`: a PEP 440 tag, only for a committed version the changelog describes."""

from __future__ import annotations

from pathlib import Path

import polster
import pytest
import yaml

from tests.conftest import PYTHON, committed_copy, git, render_project, run

NEXT = polster.__version__  # one tag versions the template and the runtime
ENTRY = f"## [{NEXT}] - 2026-12-01\n\n### Added\n\n- Quality checks on every asset.\n\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone-like copy of this repository, already released as 0.1.0."""
    src = committed_copy(tmp_path / "polster")
    git("tag", "--annotate", "0.1.0", "--message", "Polster 0.1.0", cwd=src)
    return src


def release(repo: Path, version: str):
    return run([PYTHON, "scripts/release.py", version], repo, check=False)


def add_changelog_entry(repo: Path, entry: str) -> None:
    """Add a version's section above the latest release's, as a release does."""
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("## [0.1.0]", f"{entry}## [0.1.0]", 1))
    git("commit", "--quiet", "--all", "-m", "Changelog", cwd=repo)


def test_release_tags_a_version_that_copier_then_records(repo, tmp_path):
    add_changelog_entry(repo, ENTRY)

    result = release(repo, NEXT)

    assert result.returncode == 0, result.stderr
    assert f"git push origin main {NEXT}" in result.stdout
    assert git("tag", "--list", NEXT, "--format=%(objecttype)", cwd=repo) == "tag"  # annotated
    project = tmp_path / "project"
    render_project(repo, project, vcs_ref=None)  # Copier's default: the latest tag
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == NEXT


@pytest.mark.parametrize(
    ("version", "entry", "message"),
    [
        (NEXT, "", f"CHANGELOG.md has no '## [{NEXT}] - YYYY-MM-DD' section"),
        (NEXT, f"## [{NEXT}] - 2026-12-01\n\n", "lists no change"),
        ("v0.2", ENTRY, "write the version as 0.2 (PEP 440 normal form)"),
        ("two", ENTRY, "'two' is not a PEP 440 version"),
        ("0.1.0", "## [0.1.0] - 2026-11-24\n\n- Again.\n\n", "0.1.0 is already tagged"),
        ("0.0.5", "## [0.0.5] - 2026-12-01\n\n- Older.\n\n", "older than the latest release 0.1.0"),
        ("9.0.0", "## [9.0.0] - 2026-12-01\n\n- Ahead.\n\n", "the polster runtime says it is"),
    ],
)
def test_release_refuses_and_tags_nothing(repo, version, entry, message):
    if entry:
        add_changelog_entry(repo, entry)
    tags = git("tag", cwd=repo)

    result = release(repo, version)

    assert result.returncode == 1
    assert message in result.stderr
    assert git("tag", cwd=repo) == tags


def test_release_refuses_uncommitted_changes(repo):
    add_changelog_entry(repo, ENTRY)
    (repo / "README.md").write_text("edited\n")

    result = release(repo, NEXT)

    assert result.returncode == 1
    assert "uncommitted changes" in result.stderr
    assert git("tag", cwd=repo) == "0.1.0"


def test_make_release_needs_a_version():
    result = run(
        ["make", "--no-print-directory", "release"], Path(__file__).parents[1], check=False
    )

    assert result.returncode != 0
    assert "give the version, e.g. make release VERSION=0.2.0" in result.stderr
