"""The polster runtime is a distribution of its own: a wheel and an sdist ready to publish."""

from __future__ import annotations

import os
import re
import shutil
import tarfile
import zipfile
from pathlib import Path

import polster
import pytest
from packaging.version import Version

from tests.conftest import PYTHON, REPO, git, run


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    uv = shutil.which("uv")
    assert uv, "uv is needed to build the runtime (python3 -m pip install uv)"
    run([uv, "build", str(REPO / "runtime"), "--out-dir", str(out)], REPO)
    return out


def test_the_wheel_and_sdist_pass_twine_check(dist):
    built = sorted(dist.glob("polster_runtime-*"))
    assert [path.name.removeprefix(f"polster_runtime-{polster.__version__}") for path in built] == [
        "-py3-none-any.whl",
        ".tar.gz",
    ]
    result = run([PYTHON, "-m", "twine", "check", "--strict", *map(str, built)], REPO)
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_the_wheel_holds_the_package_typed_and_licensed(dist):
    (wheel,) = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "polster/py.typed" in names
    assert {"polster/__init__.py", "polster/testing.py"} <= set(names)
    # The scaffolds and their sample data are package data.
    assert "polster/tooling/scaffolds/asset.py.tmpl" in names
    assert "polster/tooling/scaffolds/fixtures/sample.xlsx" in names
    # The catalog site's own script and style (polster docs loads nothing from elsewhere).
    assert {
        "polster/tooling/catalog/static/catalog.js",
        "polster/tooling/catalog/static/catalog.css",
    } <= set(names)
    assert not [name for name in names if "sample_project" in name or name.startswith("tests/")]
    metadata = (
        zipfile.ZipFile(wheel)
        .read(next(name for name in names if name.endswith(".dist-info/METADATA")))
        .decode()
    )
    assert "Name: polster-runtime" in metadata
    assert "License-Expression: MIT" in metadata
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    assert any(member.endswith("/tests/test_storage.py") for member in members)


def test_the_runtime_is_newer_than_every_release_in_the_changelog():
    """One tag versions both (scripts/release.py refuses a tag the runtime does not carry),
    so the runtime's version is never behind the newest release."""
    changelog = (REPO / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[(\d[^\]]*)\] - ", changelog, re.MULTILINE)
    assert released, "CHANGELOG.md lists no release"
    assert Version(polster.__version__) >= max(map(Version, released))


def test_without_uv_make_setup_pip_installs_the_pinned_runtime(render, template_src, tmp_path):
    """`make setup` without uv: pip gets the runtime from what [tool.uv.sources] pins."""
    project = render()
    folders = os.environ["PATH"].split(os.pathsep)
    no_uv = [folder for folder in folders if not (Path(folder) / "uv").exists()]
    env = {**os.environ, "PATH": os.pathsep.join(no_uv)}
    planned = run(["make", "-n", "setup"], project, env=env).stdout
    assert "uv sync" in planned  # the uv branch stays, for machines that have it
    (requirement_command,) = re.findall(r"python3 -c '[^']*'", planned)
    requirement = run(["bash", "-c", requirement_command], project, env=env).stdout.strip()
    commit = git("rev-parse", "HEAD", cwd=template_src)
    assert requirement == f"git+{template_src.as_uri()}@{commit}#subdirectory=runtime"
    pip = next((Path(folder) / "pip" for folder in no_uv if (Path(folder) / "pip").exists()), None)
    assert pip is not None, "pip is needed for this test"
    target = tmp_path / "site"
    run(
        [str(pip), "install", "--quiet", "--no-deps", "--target", str(target), requirement], project
    )
    assert (target / "polster" / "__init__.py").is_file()
    assert commit
