"""The medallion layer rules hold for everything Dagster loads, hand edits included."""

import dagster as dg

from core.paths import PROJECT_ROOT
from medallion.layers import LAYERS, find_violations, split_key
from orchestration.definitions import dependency_graph


def loaded_definitions() -> dg.Definitions:
    """The defs folder as Dagster loads it, before the layer check of build_definitions."""
    return dg.load_from_defs_folder(path_within_project=PROJECT_ROOT)


def test_assets_follow_the_layer_rules():
    violations = find_violations(dependency_graph(loaded_definitions()))
    assert not violations, "\n".join(str(violation) for violation in violations)


def test_each_asset_is_grouped_by_its_layer():
    for asset in loaded_definitions().assets or []:
        groups = (
            asset.group_names_by_key
            if isinstance(asset, dg.AssetsDefinition)
            else {asset.key: asset.group_name}
        )
        for key, group in groups.items():
            layer, _ = split_key(key.to_user_string())
            assert layer in LAYERS
            assert group == layer, f"{key.to_user_string()} is in group {group}, not {layer}"


def test_definitions_load():
    from orchestration.definitions import defs

    assert defs().resolve_asset_graph() is not None
