"""The Dagster definitions of a project, assembled from whatever assets exist.

Dagster loads every module of the project's defs folder, `orchestration/assets/` (see
[tool.dg] in its pyproject.toml): the wrappers `assets/<layer>/run_<layer>_<name>.py`, and
anything `dg scaffold defs` puts there. Adding or deleting a wrapper needs no other edit.
The whole asset graph is checked against the medallion layer rules before Dagster sees it.
The project's own `orchestration/definitions.py` hands over to `build_definitions`.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from polster.contract.errors import PolsterError
from polster.contract.layers import check_graph, layer_of
from polster.core.paths import project_root
from polster.core.settings import get_settings
from polster.core.storage import TableStore, store_from_settings
from polster.orchestration.alerts import failure_alert_sensor
from polster.orchestration.asset_factory import TABLE_STORE
from polster.orchestration.io_manager import DeltaTableIOManager
from polster.orchestration.maintenance import maintenance_schedule
from polster.orchestration.partitions import (
    check_partition_mapping,
    partitioned_schedules,
    partitionings,
)
from polster.orchestration.sensors import landing_sensors, sensor_status
from polster.orchestration.tags import ENVIRONMENT_TAG


def dependency_graph(definitions: dg.Definitions) -> dict[str, list[str]]:
    """Each asset key with the keys of its upstream assets, as declared (nothing resolved yet,
    so that a missing upstream is reported by the layer rules, not by Dagster)."""
    graph: dict[str, list[str]] = {}
    for asset in definitions.assets or []:
        if isinstance(asset, dg.AssetsDefinition):
            for key, deps in asset.asset_deps.items():
                graph[key.to_user_string()] = sorted(dep.to_user_string() for dep in deps)
        elif isinstance(asset, dg.AssetSpec):
            deps = (dep.asset_key.to_user_string() for dep in asset.deps)
            graph[asset.key.to_user_string()] = sorted(deps)
    return graph


def asset_files(definitions: dg.Definitions, root: Path) -> dict[str, str]:
    """Each asset key defined by a function in the project's own code, with that function's
    file and line (`src/orchestration/assets/bronze/x.py:4`), for the layer rules to name."""
    files = {}
    for asset in definitions.assets or []:
        if not isinstance(asset, dg.AssetsDefinition):
            continue
        function = getattr(getattr(asset.op, "compute_fn", None), "decorated_fn", None)
        code = getattr(function, "__code__", None)
        if code is None:
            continue
        path = Path(code.co_filename)
        if path.is_relative_to(root / "src"):
            for key in asset.keys:
                where = f"{path.relative_to(root).as_posix()}:{code.co_firstlineno}"
                files[key.to_user_string()] = where
    return files


def run_executor(executor: str) -> dg.ExecutorDefinition | None:
    """The executor POLSTER_EXECUTOR names; None keeps Dagster's default (multiprocess)."""
    if executor != "k8s":
        return None
    try:  # only projects rendered with deployment=kubernetes depend on dagster-k8s
        from dagster_k8s import k8s_job_executor
    except ImportError:
        msg = (
            "POLSTER_EXECUTOR=k8s needs dagster-k8s: add it to pyproject.toml "
            '(`make update VCS_REF=:current: DATA="deployment=kubernetes"` does) and run make setup'
        )
        raise PolsterError(msg) from None
    return k8s_job_executor


def build_definitions(store: TableStore | None = None) -> dg.Definitions:
    """All assets with their checks, the bronze schedules and the automation sensor.

    Schedules and sensors start RUNNING or STOPPED as the environment says (POLSTER_ENV,
    POLSTER_AUTOMATION; see core/settings.py), and tag their runs with the environment.
    """
    settings = get_settings()
    store = store or store_from_settings(settings)
    loaded = dg.load_from_defs_folder(path_within_project=project_root())
    graph = dependency_graph(loaded)
    check_graph(graph, asset_files(loaded, project_root()))
    partitioned = partitionings(loaded)
    check_partition_mapping(graph, partitioned)
    running = settings.automation_running
    tags = {ENVIRONMENT_TAG: settings.environment}
    bronze = [key for key in graph if layer_of(key) == "bronze"]
    partitioned_bronze = {key: partitioned[key] for key in bronze if key in partitioned}
    # Partitioned bronze runs its newest complete partition (yesterday's, for daily ones).
    schedules = partitioned_schedules(partitioned_bronze, running, tags)
    if len(bronze) > len(partitioned_bronze):
        schedules.append(
            dg.ScheduleDefinition(
                name="bronze_daily",
                target=dg.AssetSelection.groups("bronze")
                - dg.AssetSelection.assets(*partitioned_bronze),
                cron_schedule=settings.bronze_schedule_cron,
                default_status=dg.DefaultScheduleStatus.RUNNING
                if running
                else dg.DefaultScheduleStatus.STOPPED,
                tags=tags,
            )
        )
    if settings.maintenance_schedule_cron:  # off unless set (.env.example)
        schedules.append(maintenance_schedule(list(graph), settings.maintenance_schedule_cron))
    # Runs silver and gold as soon as their upstreams change (AutomationCondition.eager).
    automation = dg.AutomationConditionSensorDefinition(
        "polster_automation",
        target=dg.AssetSelection.all(),
        default_status=sensor_status(running),
        run_tags=tags,
    )
    sensors = [automation, *landing_sensors(list(graph), store, running, tags)]
    if settings.alerts != "none":  # in every environment: a failure is news anywhere
        sensors.append(failure_alert_sensor(settings))
    pipeline = dg.Definitions(
        # In Kubernetes (POLSTER_EXECUTOR=k8s, set by deploy/helm/values.yaml) each asset
        # runs in its own pod; elsewhere Dagster's default executor.
        executor=run_executor(settings.executor),
        schedules=schedules,
        # Bronze assets fed by a landing folder also run when new files land there.
        sensors=sensors,
        resources={
            TABLE_STORE: dg.ResourceDefinition.hardcoded_resource(store),
            "io_manager": DeltaTableIOManager(store),
        },
    )
    return dg.Definitions.merge(loaded, pipeline)
