"""The medallion layer rules hold for the assets Dagster loads, hand edits included."""

import dagster as dg

from orchestration.definitions import dependency_graph, wrapper_modules
from polster.medallion import LAYERS, find_violations, split_key


def loaded_assets():
    """Every asset the wrappers define, loaded as Dagster loads them (without the load check)."""
    return [
        asset
        for asset in dg.load_assets_from_modules(list(wrapper_modules()))
        if isinstance(asset, dg.AssetsDefinition)
    ]


def test_assets_follow_the_layer_rules():
    violations = find_violations(dependency_graph(loaded_assets()))
    assert not violations, "\n".join(str(violation) for violation in violations)


def test_each_asset_is_grouped_by_its_layer():
    for asset in loaded_assets():
        layer, _ = split_key(asset.key.to_user_string())
        assert layer in LAYERS
        assert asset.group_names_by_key[asset.key] == layer


def test_definitions_load():
    from orchestration.definitions import defs

    assert defs.resolve_asset_graph() is not None
