"""Materialize one asset: read its upstream tables, run its logic, publish its table.

The one path every run takes, whether Dagster runs the asset (orchestration) or its core
module runs on its own (`python src/core/<asset>.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from core.storage import Audit, Output, TableStore, WrittenTable
from medallion.declaration import (
    allows_empty,
    asset_key_of,
    checks_of,
    compute_output,
    upstream_keys_of,
    write_mode_of,
)


def audit_of(compute: Callable[..., Output]) -> Audit:
    """What the asset's tables must pass before they are published, as its module declares."""
    return Audit(checks=checks_of(compute), allow_empty=allows_empty(compute))


def materialize(
    compute: Callable[..., Output], store: TableStore, run_id: str | None = None
) -> WrittenTable:
    """Run `compute` on its upstream tables and publish what it returns, audited."""
    inputs = {key: store.read(key) for key in upstream_keys_of(compute)}
    output = compute_output(compute, inputs)
    key = asset_key_of(compute)
    return store.write(key, output, run_id, audit_of(compute), write_mode_of(compute))
