"""Where an error happened, in one line: the file and line of the innermost frame of the
project's code or Polster's, and said so when it is inside Polster. Real Dagster runs of
asset modules in the sample project."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import dagster as dg
import polars as pl
import pytest
from polster import expect, in_range
from polster.contract.failures import describe
from polster.contract.quality import CheckError
from polster.core.paths import project_root
from polster.orchestration import medallion_asset, runner
from polster.orchestration.asset_factory import TABLE_STORE

HELPERS = '''"""Helpers of the project's own, not an asset."""


def cleaned(frame):
    return undefined_helper(frame)
'''

HELPED = '''"""Visits, cleaned by a helper of the project's."""

import polars as pl

from core.visit_helpers import cleaned


def extract() -> pl.DataFrame:
    """Visits."""
    return cleaned(pl.DataFrame({"visits": [1]}))
'''

MISUSED = '''"""Visits, checked with a check built wrongly inside the compute function."""

import polars as pl
from polster import in_range


def extract() -> pl.DataFrame:
    """Visits."""
    in_range("visits")
    return pl.DataFrame({"visits": [1]})
'''

# A call Polster does not expect (a number for a name): its own code fails, unexplained.
BROKEN = '''"""Visits, with a check Polster's code cannot build."""

import polars as pl
from polster import expect


def extract() -> pl.DataFrame:
    """Visits."""
    expect(5, pl.col("visits") > 0)
    return pl.DataFrame({"visits": [1]})
'''


@pytest.fixture
def modules() -> Iterator[dict[str, str]]:
    """Four modules in the sample project's src/core, removed afterwards."""
    sources = {
        "visit_helpers": HELPERS,
        "bronze_helped": HELPED,
        "bronze_misused": MISUSED,
        "bronze_broken": BROKEN,
    }
    core = project_root() / "src" / "core"  # project_root() makes src/ importable
    for name, source in sources.items():
        (core / f"{name}.py").write_text(source)
    importlib.invalidate_caches()
    yield sources
    for name in sources:
        (core / f"{name}.py").unlink()


def failures_of_run(store, *keys: str) -> dict[str, str]:
    """Run the assets of `keys` in Dagster; why each failed, as the runner says it."""
    assets = [medallion_asset(importlib.import_module(f"core.{key}").extract) for key in keys]
    defs = dg.Definitions(assets=assets, resources={TABLE_STORE: store})
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, raise_on_error=False
        )
    return {
        event.step_key: runner.root_cause(event.step_failure_data.error)
        for event in result.get_step_failure_events()
    }


def test_an_error_in_a_helper_or_inside_polster_names_its_file_and_line(modules, store):
    failures = failures_of_run(store, "bronze_helped", "bronze_misused", "bronze_broken")

    assert failures["bronze_helped"] == (
        "name 'undefined_helper' is not defined (at src/core/visit_helpers.py:5)"
    )
    # A check built wrongly says how to fix it, at the user's line: nothing to report.
    assert failures["bronze_misused"] == (
        "in_range('visits') needs low=, high= or both, as in in_range('visits', low=0) "
        "(at src/core/bronze_misused.py:9)"
    )
    inside = failures["bronze_broken"]
    assert re.fullmatch(
        r"'int' object has no attribute 'replace' \(at polster/contract/quality\.py:\d+, "
        r"inside Polster, called from src/core/bronze_broken\.py:9; if the message does not "
        r"say what to fix, report it with the traceback --verbose shows\)",
        inside,
    ), inside


def test_a_module_run_on_its_own_says_so_too():
    """`python src/core/<asset>.py` describes an error the same way."""
    with pytest.raises(CheckError, match="needs low") as misused:
        in_range("visits")
    with pytest.raises(AttributeError) as broken:
        expect(5, pl.col("visits") > 0)  # type: ignore[arg-type]

    assert describe(misused.value, project_root()) == (
        "CheckError: in_range('visits') needs low=, high= or both, as in in_range('visits', low=0)"
    )
    assert re.fullmatch(
        r"polster/contract/quality\.py:\d+, inside Polster: AttributeError: 'int' object has "
        r"no attribute 'replace' \(if the message does not say what to fix, report it with "
        r"the traceback --verbose shows\)",
        describe(broken.value, project_root()),
    )
