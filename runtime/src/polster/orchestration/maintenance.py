"""The optional maintenance schedule: compact and vacuum every table (off by default).

With MAINTENANCE_SCHEDULE_CRON set (e.g. "0 3 * * 0", Sundays at 03:00), the job
`polster_maintenance` runs `polster optimize` then `polster vacuum` (default retention:
every version of the last 7 days stays restorable) on each medallion table and its
quarantine table. It never changes a table's rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from polster.contract.layers import layer_of
from polster.contract.quality import rejected_key
from polster.core import maintenance
from polster.core.storage import TableStore
from polster.orchestration.asset_factory import TABLE_STORE

JOB_NAME = "polster_maintenance"


def maintenance_job(keys: Sequence[str]) -> dg.JobDefinition:
    """One op that optimizes, then vacuums, the tables of `keys` that exist."""
    tables = [
        table for key in keys if layer_of(key) is not None for table in (key, rejected_key(key))
    ]

    @dg.op(name="maintain_tables", required_resource_keys={TABLE_STORE})
    def maintain_tables(context) -> None:  # no annotation: Dagster checks its type
        store: TableStore = getattr(context.resources, TABLE_STORE)
        for table in tables:
            if not store.exists(table):
                continue
            context.log.info(str(maintenance.optimize(store, table)))
            context.log.info(str(maintenance.vacuum(store, table)))

    @dg.job(name=JOB_NAME, description="Compact and vacuum every table (same rows).")
    def _job() -> None:
        maintain_tables()

    return _job


def maintenance_schedule(keys: Sequence[str], cron: str) -> dg.ScheduleDefinition:
    """A RUNNING schedule for the maintenance job: it exists only when a cron is set."""
    return dg.ScheduleDefinition(
        name="table_maintenance",
        job=maintenance_job(keys),
        cron_schedule=cron,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
