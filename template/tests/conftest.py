"""Shared fixtures: real Delta tables in temporary folders, never the project's data/."""

import importlib

import dagster as dg
import pytest

from core.storage import TableStore
from orchestration.partitions import partitionings
from orchestration.run_plan import plan_runs


@pytest.fixture
def store(tmp_path):
    """An empty table store in this test's temporary folder."""
    return TableStore(root=str(tmp_path / "data"))


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory):
    """Every asset materialized once by Dagster, in process: (its store, the runs' results)."""
    # Imported here, so that broken layer rules fail these tests, not the whole collection.
    from orchestration.definitions import build_definitions

    store = TableStore(root=str(tmp_path_factory.mktemp("pipeline") / "data"))
    definitions = build_definitions(store)
    graph = definitions.resolve_asset_graph()
    # Assets that read a real source (a SOURCE in their core module: files, an API, a
    # database) are tested on their fixtures in tests/assets/; here runs everything else.
    sourced = [key for key in graph.get_all_asset_keys() if reads_a_source(key)]
    selected = (dg.AssetSelection.all() - dg.AssetSelection.assets(*sourced).downstream()).resolve(
        graph
    )
    if not selected:
        pytest.skip("the project has no assets that run without a real source")
    job = definitions.resolve_implicit_global_asset_job_def()
    # Partitioned assets write their newest complete partition, as `make run` does.
    keys = [key.to_user_string() for key in selected]
    results = []
    for planned in plan_runs(keys, keys, partitionings(definitions)):
        tags = {}
        if planned.partitions is not None:
            first, last = (day.isoformat() for day in planned.partitions)
            tags = {
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
            }
        assets = [dg.AssetKey(key) for key in planned.assets]
        result = job.execute_in_process(asset_selection=assets, tags=tags)
        assert result.success
        results.append(result)
    return store, results


def reads_a_source(key: dg.AssetKey) -> bool:
    return hasattr(importlib.import_module(f"core.{key.to_user_string()}"), "SOURCE")
