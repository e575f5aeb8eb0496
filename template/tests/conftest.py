"""Shared fixtures: real Delta tables in temporary folders, never the project's data/."""

import pytest

from core.storage import TableStore


@pytest.fixture
def store(tmp_path):
    """An empty table store in this test's temporary folder."""
    return TableStore(root=str(tmp_path / "data"))


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory):
    """Every asset materialized once by Dagster, in process: (its store, the run's result)."""
    # Imported here, so that broken layer rules fail these tests, not the whole collection.
    from orchestration.definitions import build_definitions

    store = TableStore(root=str(tmp_path_factory.mktemp("pipeline") / "data"))
    definitions = build_definitions(store)
    if not definitions.resolve_asset_graph().get_all_asset_keys():
        pytest.skip("the project has no assets yet")
    result = definitions.resolve_implicit_global_asset_job_def().execute_in_process()
    assert result.success
    return store, result
