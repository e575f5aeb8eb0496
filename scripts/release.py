"""`make release VERSION=X.Y.Z`: tag a new Polster version, after checking it is ready.

Generated projects update from tag to tag (`copier update`), so a release is a PEP 440
git tag on a clean, committed main, described in CHANGELOG.md. Tags are never moved.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version

REPO = Path(__file__).resolve().parents[1]
RUNTIME_INIT = REPO / "runtime" / "src" / "polster" / "__init__.py"


class ReleaseError(Exception):
    """Why the version cannot be released yet; nothing was tagged."""


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout


def parse_version(text: str) -> Version:
    """The version to release; it must be written in its normalized PEP 440 form."""
    try:
        version = Version(text)
    except InvalidVersion:
        msg = f"{text!r} is not a PEP 440 version: use e.g. VERSION=0.2.0"
        raise ReleaseError(msg) from None
    if str(version) != text:
        msg = f"write the version as {version} (PEP 440 normal form), not {text!r}"
        raise ReleaseError(msg)
    return version


def released_versions(tags: list[str]) -> list[Version]:
    """The versions already tagged; tags that are not PEP 440 versions are not releases."""
    versions = []
    for tag in tags:
        try:
            versions.append(Version(tag))
        except InvalidVersion:
            continue
    return sorted(versions)


def changelog_entry(changelog: str, version: Version) -> str:
    """The text under `## [version] - YYYY-MM-DD`, up to the next `## ` heading."""
    heading = re.compile(rf"^## \[{re.escape(str(version))}\] - \d{{4}}-\d{{2}}-\d{{2}}$", re.M)
    match = heading.search(changelog)
    if match is None:
        msg = (
            f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' section: move the "
            "Unreleased entries under it, commit, and release again"
        )
        raise ReleaseError(msg)
    body = changelog[match.end() :].split("\n## ", 1)[0]
    if not re.search(r"^\s*[-*] \S", body, re.M):
        msg = f"the CHANGELOG.md section of {version} lists no change: add at least one"
        raise ReleaseError(msg)
    return body.strip()


def runtime_version() -> str:
    """The version the polster runtime declares (its wheel and sdist carry it)."""
    match = re.search(r'^__version__ = "([^"]+)"$', RUNTIME_INIT.read_text(encoding="utf-8"), re.M)
    return match[1] if match else ""


def check_release(
    version: Version, tags: list[str], changelog: str, dirty: str, runtime: str
) -> None:
    """Every reason not to tag `version` now, as one ReleaseError (pure; testable)."""
    if dirty:
        msg = "the work tree has uncommitted changes: commit them (or stash them) first"
        raise ReleaseError(msg)
    released = released_versions(tags)
    if version in released:
        msg = f"{version} is already tagged; tags are never moved: release a newer version"
        raise ReleaseError(msg)
    if released and version < released[-1]:
        msg = f"{version} is older than the latest release {released[-1]}: choose a newer one"
        raise ReleaseError(msg)
    changelog_entry(changelog, version)
    if runtime != str(version):
        # One tag versions both artifacts: a project rendered at this tag installs this runtime.
        msg = (
            f"the polster runtime says it is {runtime or 'unversioned'}: set __version__ = "
            f'"{version}" in runtime/src/polster/__init__.py, commit, and release again'
        )
        raise ReleaseError(msg)


def release(text: str) -> Version:
    version = parse_version(text)
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    tags, dirty = git("tag").split(), git("status", "--porcelain")
    check_release(version, tags, changelog, dirty, runtime_version())
    git("tag", "--annotate", str(version), "--message", f"Polster {version}")
    return version


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0]:
        print("make: release: give the version, e.g. make release VERSION=0.2.0", file=sys.stderr)
        return 2
    try:
        version = release(argv[0])
    except ReleaseError as error:
        print(f"make: release: {error}", file=sys.stderr)
        return 1
    print(f"Tagged {version}. Publish it with: git push origin main {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
