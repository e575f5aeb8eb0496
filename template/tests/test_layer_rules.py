"""The medallion layer rules hold for everything Dagster loads, hand edits included."""

from polster.testing import assert_assets_grouped_by_layer, assert_core_is_pure, assert_layer_rules


def test_assets_follow_the_layer_rules():
    assert_layer_rules()


def test_each_asset_is_grouped_by_its_layer():
    assert_assets_grouped_by_layer()


def test_core_modules_run_without_dagster():
    assert_core_is_pure()


def test_definitions_load():
    from orchestration.definitions import defs

    assert defs().resolve_asset_graph() is not None
