"""The Dagster definitions of the pipeline, assembled from whatever assets exist.

Every `assets/<layer>/run_<layer>_<name>.py` is discovered by its file name:
adding or deleting a wrapper needs no other edit. The asset graph is checked
against the medallion layer rules before Dagster sees it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

import dagster as dg

from core.settings import get_settings
from core.storage import TableStore, store_from_settings
from orchestration.checks import medallion_checks
from orchestration.io_manager import DeltaTableIOManager
from orchestration.sensors import landing_sensors
from polster.medallion import LAYERS, check_graph

ASSETS_DIR = Path(__file__).parent / "assets"


def wrapper_modules() -> Iterator[ModuleType]:
    """Import every asset wrapper, layer by layer."""
    for layer in LAYERS:
        for path in sorted((ASSETS_DIR / layer).glob(f"run_{layer}_*.py")):
            yield importlib.import_module(f"orchestration.assets.{layer}.{path.stem}")


def dependency_graph(assets: Sequence[dg.AssetsDefinition]) -> dict[str, list[str]]:
    """Each asset key with the keys of its upstream assets."""
    return {
        key.to_user_string(): sorted(dep.to_user_string() for dep in deps)
        for asset in assets
        for key, deps in asset.asset_deps.items()
    }


def build_definitions(store: TableStore | None = None) -> dg.Definitions:
    """All assets with their checks, the bronze schedule and the automation sensor."""
    settings = get_settings()
    assets = [
        asset
        for asset in dg.load_assets_from_modules(list(wrapper_modules()))
        if isinstance(asset, dg.AssetsDefinition)
    ]
    check_graph(dependency_graph(assets))
    # The CHECKS declared next to each asset's logic, as Dagster asset checks.
    checks = [
        check
        for asset in assets
        if (check := medallion_checks(asset.key.to_user_string())) is not None
    ]
    schedules = []
    if any(asset.group_names_by_key.get(asset.key) == "bronze" for asset in assets):
        schedules.append(
            dg.ScheduleDefinition(
                name="bronze_daily",
                target=dg.AssetSelection.groups("bronze"),
                cron_schedule=settings.bronze_schedule_cron,
                default_status=dg.DefaultScheduleStatus.RUNNING,
            )
        )
    # Runs silver and gold as soon as their upstreams change (AutomationCondition.eager).
    automation = dg.AutomationConditionSensorDefinition(
        "polster_automation",
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    store = store or store_from_settings(settings)
    # Bronze assets fed by a landing folder also run when new files land there.
    keys = [asset.key.to_user_string() for asset in assets]
    return dg.Definitions(
        assets=assets,
        asset_checks=checks,
        schedules=schedules,
        sensors=[automation, *landing_sensors(keys, store)],
        resources={"io_manager": DeltaTableIOManager(store)},
    )


defs = build_definitions()
