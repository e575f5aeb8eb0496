"""The whole pipeline, materialized by Dagster into real Delta tables."""


def test_every_asset_is_materialized_with_its_metadata(pipeline):
    _, results = pipeline
    for result in results:
        for event in result.get_asset_materialization_events():
            metadata = event.materialization.metadata
            assert metadata["dagster/row_count"].value >= 0
            assert metadata["delta_version"].value == 0
            assert metadata["dagster/uri"].value.endswith(
                event.asset_key.to_user_string().replace("_", "/", 1)
            )


def test_each_table_records_the_run_that_wrote_it(pipeline):
    store, results = pipeline
    for result in results:
        for event in result.get_asset_materialization_events():
            newest = store.history(event.asset_key.to_user_string())[0]
            assert newest["dagster_run_id"] == result.run_id
