"""One sensor per bronze asset fed by a landing folder: it starts a run when files land.

Every 30 seconds the sensor lists the asset's files and compares them with what its
table holds. New or changed files start one run of that asset; its run key is a digest
of exactly those files, so the same files never start two runs. The UI shows the
files each tick saw (the run's tags, or the reason for skipping) and the cursor.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util

import dagster as dg

from polster.contract.layers import layer_of
from polster.core.landing import Landing, ingested_files
from polster.core.sources import SourceError
from polster.core.storage import StorageError, TableStore

INTERVAL_SECONDS = 30
SHOWN_FILES = 5


def sensor_status(running: bool) -> dg.DefaultSensorStatus:
    """How a sensor starts where no one has switched it in the UI yet."""
    return dg.DefaultSensorStatus.RUNNING if running else dg.DefaultSensorStatus.STOPPED


def landing_of(key: str) -> Landing | None:
    """The Landing that the core module of `key` declares as its SOURCE, if any."""
    if importlib.util.find_spec(f"core.{key}") is None:
        return None  # an asset without a core module (scaffolded by dg, say)
    source = getattr(importlib.import_module(f"core.{key}"), "SOURCE", None)
    return source if isinstance(source, Landing) else None


def landing_sensor(
    key: str,
    landing: Landing,
    store: TableStore,
    running: bool = True,
    tags: dict[str, str] | None = None,
) -> dg.SensorDefinition:
    """A sensor that materializes `key` when new files match its SOURCE (RUNNING unless
    the environment keeps its sensors stopped)."""

    @dg.sensor(
        name=f"{key}_landing",
        description=f"Materializes {key} when new or changed files match {landing.pattern}.",
        asset_selection=[dg.AssetKey(key)],
        minimum_interval_seconds=INTERVAL_SECONDS,
        default_status=sensor_status(running),
    )
    def _sensor(context: dg.SensorEvaluationContext):
        try:
            files = landing.files()
            ingested = ingested_files(store.read(key)) if store.exists(key) else {}
        except (SourceError, StorageError) as error:
            return dg.SkipReason(str(error))
        pending = [file for file in files if ingested.get(file.path) != file]
        if not pending:
            return dg.SkipReason(f"nothing new: {len(files)} file(s) seen, all ingested")
        digest = hashlib.sha256(
            "\n".join(f"{f.path}\t{f.size}\t{f.modified.isoformat()}" for f in pending).encode()
        ).hexdigest()[:16]
        context.update_cursor(digest)
        names = ", ".join(file.path for file in pending[:SHOWN_FILES])
        more = f" and {len(pending) - SHOWN_FILES} more" if len(pending) > SHOWN_FILES else ""
        return dg.RunRequest(
            run_key=f"{key}:{digest}",
            asset_selection=[dg.AssetKey(key)],
            tags={**(tags or {}), "polster/landed_files": f"{len(pending)}: {names}{more}"},
        )

    return _sensor


def landing_sensors(
    keys: list[str],
    store: TableStore,
    running: bool = True,
    tags: dict[str, str] | None = None,
) -> list[dg.SensorDefinition]:
    """A sensor for each bronze asset in `keys` whose SOURCE is a landing folder."""
    return [
        landing_sensor(key, landing, store, running, tags)
        for key in keys
        if layer_of(key) == "bronze" and (landing := landing_of(key)) is not None
    ]
