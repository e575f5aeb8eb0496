"""The run summary (terminal and summary.md) says what each run wrote, from real Dagster runs."""

from __future__ import annotations

import importlib.util
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import dagster as dg
import polars as pl
import pytest
from polster import main
from polster.orchestration import medallion_asset, run_summary
from polster.orchestration.asset_factory import TABLE_STORE

LANDED = """
from polster import CsvReader, Landing

SOURCE = Landing({pattern!r}, CsvReader())


def extract() -> Landing:
    return SOURCE
"""

PARTITIONED = """
from datetime import date

import polars as pl

PARTITIONS = "daily"
PARTITIONS_START = "2024-01-01"


def extract(partition: date) -> pl.DataFrame:
    return pl.DataFrame({"visits": [1, 2, 3]})
"""


def module_of(folder: Path, key: str, source: str) -> ModuleType:
    """A core module `key`.py written with `source` into `folder`, imported."""
    path = folder / f"{key}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(key, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


def asset_of(folder: Path, key: str, source: str) -> dg.AssetsDefinition:
    """The asset of a core module `key`.py written with `source` into `folder`."""
    return medallion_asset(module_of(folder, key, source).extract)


def summary_of(store, asset: dg.AssetsDefinition, instance, planned=1, **tags: str) -> str:
    """Run `asset` (with Dagster's `tags`; `planned` partitions), then its summary as the
    terminal shows it."""
    defs = dg.Definitions(assets=[asset], resources={TABLE_STORE: store})
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance, tags=tags)
    assert result.success
    key = asset.key.to_user_string()
    partitioned = [key] if asset.partitions_def else []
    summary = run_summary.summarize(result, instance, [key], "dev", partitioned, planned)
    return run_summary.text_table(summary)


@pytest.fixture
def instance():
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def test_a_run_that_found_no_new_file_says_nothing_new_was_written(store, tmp_path, instance):
    landing = tmp_path / "landing"
    landing.mkdir()
    pl.DataFrame({"id": [1, 2, 3]}).write_csv(landing / "first.csv")
    asset = asset_of(tmp_path, "bronze_landed", LANDED.format(pattern=f"{landing}/*.csv"))

    assert re.search(r"bronze_landed +materialized +3 ", summary_of(store, asset, instance))
    again = summary_of(store, asset, instance)

    assert re.search(r"bronze_landed +materialized +nothing new ", again)
    assert store.latest_commit("bronze_landed").version == 0


def test_a_partition_reports_its_own_rows_not_the_tables(store, tmp_path, instance):
    asset = asset_of(tmp_path, "bronze_visits", PARTITIONED)
    summary_of(store, asset, instance, **{"dagster/partition": "2024-01-01"})

    second = summary_of(store, asset, instance, **{"dagster/partition": "2024-01-02"})
    assert re.search(r"materialized +2024-01-02 +3 ", second)
    backfill = summary_of(
        store,
        asset,
        instance,
        planned=2,
        **{
            "dagster/asset_partition_range_start": "2024-01-03",
            "dagster/asset_partition_range_end": "2024-01-04",
        },
    )
    assert re.search(r"materialized +2 of 2 \(2024-01-03...2024-01-04\) +6 ", backfill)
    assert store.read("bronze_visits").select(pl.len()).collect().item() == 12


def test_a_partition_run_on_its_own_says_the_rows_of_its_partition(tmp_path, capsys):
    """`python src/core/bronze_days.py --partition ...` on the project's own tables."""
    extract = module_of(tmp_path, "bronze_days", PARTITIONED).extract
    main(extract, ["--partition", "2024-01-01"])
    main(extract, ["--partition", "2024-01-02"])

    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.search(r"\(partition 2024-01-02\): wrote 3 rows to .*; the table has 6\)", last)
