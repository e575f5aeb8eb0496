"""The asset factory that turns a core compute function into a Dagster asset."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import dagster as dg

from core.storage import Output
from medallion.declaration import asset_key_of, compute_output, upstream_keys_of
from medallion.layers import split_key


def medallion_asset(compute: Callable[..., Output], **asset_kwargs: object) -> dg.AssetsDefinition:
    """A Dagster asset for the core function `compute`.

    Its key, layer (group) and upstream assets all come from the core module:
    the file name gives the key, the parameter names give the upstreams and the
    docstring gives the description shown in the UI. Extra keyword arguments go
    to `dg.asset` unchanged (partitions, owners, tags...).
    """
    key = asset_key_of(compute)
    layer, _ = split_key(key)
    upstream_keys = upstream_keys_of(compute)
    settings: dict[str, object] = {
        "name": key,
        "group_name": layer,
        "ins": {upstream: dg.AssetIn(key=upstream) for upstream in upstream_keys},
        "description": inspect.getdoc(compute),
        "kinds": {"polars", "deltalake"},
    }
    if layer != "bronze":
        # Silver and gold follow their upstreams: they run once all of them are updated
        # and none of their blocking checks failed.
        settings["automation_condition"] = (
            dg.AutomationCondition.eager()
            & dg.AutomationCondition.all_deps_blocking_checks_passed()
        )
    settings.update(asset_kwargs)

    @dg.asset(**settings)  # type: ignore[call-overload]
    def _asset(**upstream_frames):  # no annotations: Dagster would type-check them
        # The output must meet the module's SCHEMA, if it declares one, before it is written.
        return compute_output(compute, upstream_frames)

    return _asset
