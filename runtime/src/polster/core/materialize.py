"""Materialize one asset: read its upstream tables, run its logic, publish its table.

The one path every run takes, whether Dagster runs the asset (orchestration) or its core
module runs on its own (`python src/core/<asset>.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl

from polster.contract.declaration import (
    allows_empty,
    asset_key_of,
    checks_of,
    compute_output,
    partitioning_of,
    schema_of,
    takes_partition,
    upstream_keys_of,
    write_mode_of,
)
from polster.contract.errors import PolsterError
from polster.contract.layers import PARTITION_PARAMETER
from polster.contract.partitions import PARTITION_COLUMN
from polster.core.storage import Audit, Output, TableStore, WrittenTable


def audit_of(compute: Callable[..., Output]) -> Audit:
    """What the asset's tables must pass before they are published, as its module declares."""
    return Audit(
        checks=checks_of(compute), allow_empty=allows_empty(compute), schema=schema_of(compute)
    )


def materialize(
    compute: Callable[..., Output],
    store: TableStore,
    run_id: str | None = None,
    partition: date | None = None,
) -> WrittenTable:
    """Run `compute` on its upstream tables and publish what it returns, audited.

    A partitioned asset writes one `partition`: its partitioned upstream tables arrive
    restricted to the rows of that partition's window, unpartitioned ones whole.
    """
    key = asset_key_of(compute)
    partitioning = partitioning_of(compute)
    if (partition is None) != (partitioning is None):
        msg = (
            f"{key} is partitioned ({partitioning.describe()}): name the partition to write, "
            f"e.g. --partition {partitioning.start.isoformat()}"
            if partitioning
            else f"{key} is not partitioned: it cannot write the partition {partition}"
        )
        raise PolsterError(msg)
    tables = {upstream: store.read(upstream) for upstream in upstream_keys_of(compute)}
    inputs: dict[str, object] = dict(tables)
    if partitioning is not None and partition is not None:
        first, end = partitioning.window(partition)
        for upstream, table in tables.items():
            if PARTITION_COLUMN in table.collect_schema():  # a partitioned upstream
                in_window = pl.col(PARTITION_COLUMN).is_between(first, end, closed="left")
                inputs[upstream] = table.filter(in_window)
        if takes_partition(compute):
            inputs[PARTITION_PARAMETER] = partition
    output = compute_output(compute, inputs)
    return store.write(
        key, output, run_id, audit_of(compute), write_mode_of(compute), partition=partition
    )
