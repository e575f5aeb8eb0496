"""Fixtures for the template's tests: a committed copy of the template, and renders of it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import copier
import polars as pl
import pytest
from deltalake import DeltaTable

from bench.project import snapshot_template
from tests.azurite import Azurite
from tests.postgres import PostgresServer, postgres_bin, start_postgres

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# Answers that keep renders fast and side-effect free; tests override what they exercise.
FAST_ANSWERS = {"setup_environment": False, "init_git": False}
ADLS_ANSWERS = {
    "storage_backend": "adls",
    "adls_account_name": "polsterdata",
    "adls_container": "lake",
}
# Commits made by tests (and by the template's git task) need an identity on CI machines.
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Polster Tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "Polster Tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}

Render = Callable[..., Path]
# Tests every rendered project's own suite runs (tests/test_layer_rules.py), and those of the
# example assets; Polster or the user may add more, so only failures and these are checked.
GENERATED_TESTS = (
    "test_layer_rules.py::test_assets_follow_the_layer_rules",
    "test_layer_rules.py::test_each_asset_is_grouped_by_its_layer",
    "test_layer_rules.py::test_core_modules_run_without_dagster",
    "test_layer_rules.py::test_definitions_load",
)
EXAMPLE_TESTS = (
    "test_pipeline.py::test_every_asset_is_materialized_with_its_metadata",
    "test_pipeline.py::test_each_table_records_the_run_that_wrote_it",
    "assets/test_silver_example.py::",
    "assets/test_gold_example.py::",
)


SUMMARY_LINE = re.compile(r"^=*\s*\d+ (?:passed|failed|errors?)\b.* in [\d.]+s.*$", re.MULTILINE)


def assert_generated_suite_passed(output: str, examples: bool = True) -> None:
    """A rendered project's own pytest run (with -rA, see isolated_env) failed nothing and
    ran the tests every project has (and the examples' tests, with examples)."""
    # pytest's last line; make may print "Leaving directory" after it (under `make test`).
    summaries = SUMMARY_LINE.findall(output)
    assert summaries, output
    summary = summaries[-1]
    assert " passed" in summary, output
    assert not re.search(r"\b(failed|error|errors)\b", summary), output
    for test in (*GENERATED_TESTS, *(EXAMPLE_TESTS if examples else ())):
        assert re.search(rf"^PASSED tests/{re.escape(test)}", output, re.MULTILINE), (
            f"{test} did not pass:\n{output}"
        )


# The modules whose tests (or worker-bound groups of tests) take minutes: scheduled first, so
# that the two workers share them out at the start instead of one of them finishing the
# longest alone at the end (xdist hands out work in collection order).
LONGEST_FIRST = (
    "tests/test_user_path.py",
    "tests/test_adls.py",
    "tests/test_several_machines.py",
    "tests/test_sources_adls.py",
    "tests/test_alerts.py",
    "tests/test_deployment.py",
    "tests/test_bench.py",
    "tests/test_fan_out.py",
    "runtime/tests/test_secrets.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        module = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(module) if module in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a module stays


def pytest_configure(config: pytest.Config) -> None:
    os.environ.update(GIT_IDENTITY)
    # Rendered projects' `uv sync` must build their own .venv, not look at this suite's.
    os.environ.pop("VIRTUAL_ENV", None)


def run(
    command: list[str] | str, cwd: Path, check: bool = True, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """Run a command in `cwd`, capturing text output; fail loudly with it when `check`."""
    result = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        shell=isinstance(command, str),
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{command!r} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def git(*args: str, cwd: Path) -> str:
    return run(["git", *args], cwd=cwd).stdout.strip()


def committed_copy(src: Path) -> Path:
    """Copy this repository's working tree into `src` and commit it there, as one commit."""
    return snapshot_template(src)


@pytest.fixture(scope="session")
def template_src(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A committed copy of this repository's working tree, as Copier would clone it."""
    return committed_copy(tmp_path_factory.mktemp("template"))


# Renders made this session, by what decides their content (see render_key): a render
# with the same key is a copy of the first. Set by the `_render_cache` fixture.
_RENDERS: dict[tuple, Path] = {}
_RENDER_CACHE: list[Path] = []


def render_key(src: Path, dst: Path, vcs_ref: str | None, answers: dict) -> tuple | None:
    """What a render's files depend on, or None when a copy could differ from a render.

    With `project_name` answered, a render reads its destination only to know whether it
    is inside a git repository (then the first-commit task is skipped); the rest is the
    template's commit and the answers. A template with uncommitted changes (Copier copies
    them too), Copier's "latest tag" or a destination that exists are rendered each time.
    """
    if vcs_ref is None or dst.exists() or not _RENDER_CACHE:
        return None
    parent = dst.parent
    while not parent.exists():
        parent = parent.parent
    inside_git = subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"], cwd=parent, capture_output=True
    ).returncode
    state = subprocess.run(
        f"git rev-parse --verify {vcs_ref}^{{commit}} && git status --porcelain",
        shell=True,
        cwd=src,
        capture_output=True,
        text=True,
    )
    commit, *changes = state.stdout.splitlines()
    if state.returncode != 0 or changes:
        return None
    return (str(src), commit, inside_git == 0, repr(sorted(answers.items())))


def render_project(src: Path, dst: Path, vcs_ref: str | None = "HEAD", **answers: object) -> Path:
    """Render the template (at `vcs_ref`; None: its latest tag) into `dst`, return `dst`.

    The first render of an answer set is Copier's; the same render again is a copy of it
    (renders are the suite's most repeated cost): the same files, the same first commit.
    """
    data = {**FAST_ANSWERS, "project_name": "shop_pipeline", **answers}
    key = render_key(src, dst, vcs_ref, data)
    if key is not None and key in _RENDERS:
        shutil.copytree(_RENDERS[key], dst, symlinks=True)
        return dst
    copier.run_copy(
        str(src), dst, data=data, defaults=True, unsafe=True, quiet=True, vcs_ref=vcs_ref
    )
    if key is not None:
        kept = _RENDER_CACHE[0] / str(len(_RENDERS)) / dst.name
        shutil.copytree(dst, kept, symlinks=True)
        _RENDERS[key] = kept
    return dst


@pytest.fixture(scope="session", autouse=True)
def _render_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Where render_project keeps this session's first renders (see render_key)."""
    _RENDER_CACHE.append(tmp_path_factory.mktemp("renders"))
    yield
    _RENDER_CACHE.clear()
    _RENDERS.clear()


@pytest.fixture
def render(template_src: Path, tmp_path: Path) -> Render:
    """Render the template into a new folder of this test's tmp_path."""
    counter = iter(range(1000))

    def _render(**answers: object) -> Path:
        return render_project(template_src, tmp_path / f"project{next(counter)}", **answers)

    return _render


def without_dagster_telemetry(project: Path) -> Path:
    """`project`, with Dagster's telemetry off in its `.dagster/`: the first-run banner
    Dagster prints on stderr is not ours to test."""
    (project / ".dagster").mkdir(exist_ok=True)
    (project / ".dagster" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return project


def isolated_env(project: Path, **overrides: str) -> dict[str, str]:
    """This process's environment for running commands in a rendered project.

    Nested pytest runs get their own temporary root: pytest deletes all but the newest
    three `pytest-N` folders of a root, which would include this session's renders.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "DAGSTER_HOME"}}
    temp_root = project.parent / f"{project.name}-pytest-temp"
    temp_root.mkdir(exist_ok=True)
    env["PYTEST_DEBUG_TEMPROOT"] = str(temp_root)
    # Nested runs list every passed test, so that tests can tell which ones ran.
    env["PYTEST_ADDOPTS"] = "-rA"
    return {**env, **overrides}


def project_env(project: Path) -> dict[str, str]:
    """Environment for running a rendered project with this suite's Python (not installed)."""
    return isolated_env(project, PYTHONPATH=str(project / "src"))


def run_polster(
    project: Path,
    *args: str,
    check: bool = False,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    **settings: str,
) -> subprocess.CompletedProcess[str]:
    """`python run_polster.py ARGS` of the project, with this suite's Python, in the project's
    folder (or `cwd`); `env`: the whole environment (project_env by default), `settings`:
    variables on top of it (`POLSTER_ENV="prod"`)."""
    environment = {**(project_env(project) if env is None else env), **settings}
    command = [PYTHON, str(project / "run_polster.py"), *args]
    return run(command, cwd or project, check=check, env=environment)


def one_line_failure(
    result: subprocess.CompletedProcess[str], *expected: str, other_lines: bool = False
) -> str:
    """A refusal as a user must see it: exit code 1, no traceback, and one `error: ...` line
    on stderr holding every `expected` text (the only line there, unless `other_lines`:
    a run's progress may come before it); return that line."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    if not other_lines:
        assert lines == errors, result.stderr
    for text in expected:
        assert text in errors[0], errors[0]
    return errors[0]


def polster(project: Path, *args: str, stdin: int | None = None, check: bool = True):
    """Run `python -m polster ...` in the project without a terminal."""
    command = [PYTHON, "-m", "polster", *args]
    result = run(command, project, check=False, env=project_env(project), stdin=stdin)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file by `new`; `old` must be there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def make(project: Path, target: str, check: bool = True, **variables: str):
    """Run a make target with this suite's Python (the project has no .venv of its own)."""
    assignments = [f"{name}={value}" for name, value in variables.items()]
    command = ["make", "--no-print-directory", target, f"PYTHON={PYTHON}", *assignments]
    return run(command, project, check=check, env=project_env(project))


class _PlainPathTable(DeltaTable):
    """delta-rs percent-encodes local file paths; Polars opens them as they are."""

    def file_uris(self, partition_filters=None):
        return [unquote(uri) for uri in super().file_uris(partition_filters)]


def table_path(project: Path, key: str, data: str = "data") -> Path:
    """Where the local table of asset `key` lives in the project."""
    layer, name = key.split("_", 1)
    return project / data / layer / name


def asset_table(project: Path, key: str, data: str = "data") -> pl.DataFrame:
    """The local table of asset `key` as a frame."""
    return read_table(table_path(project, key, data))


def read_table(path: Path, version: int | None = None) -> pl.DataFrame:
    """A local Delta table as a frame, also under a folder whose name has a space."""
    return pl.scan_delta(_PlainPathTable(str(path), version)).collect()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """One Azurite for the ADLS tests of a worker (mark them xdist_group("azurite")), with
    the container `lake`; each test module writes under a base path of its own."""
    with Azurite(tmp_path_factory.mktemp("azurite")) as emulator:
        emulator.create_container("lake")
        yield emulator


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A real PostgreSQL server (system package) for the whole session, on 127.0.0.1."""
    if postgres_bin() is None:
        pytest.skip(
            "SKIPPED LOUDLY: PostgreSQL is not installed (initdb missing) and .ci/run could "
            "not install it: apt-get install -y postgresql"
        )
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    yield server
    server.stop()
