"""Dagster asset checks built from the CHECKS each core module declares.

All checks of one asset run in one step, over one lazy scan of the table just
written. On silver and gold they block by default: when one fails, nothing
downstream of the asset is materialized in that run, or later by automation.
"""

from __future__ import annotations

import importlib

import dagster as dg
import polars as pl

from medallion.declaration import declared_checks
from medallion.layers import split_key
from medallion.quality import CheckOutcome, evaluate
from orchestration.io_manager import markdown_table

# The step that runs an asset's checks is named after the asset: `silver_example_checks`.
CHECKS_STEP_SUFFIX = "_checks"


def is_checks_step(step_key: str) -> bool:
    return step_key.endswith(CHECKS_STEP_SUFFIX)


def asset_of_step(step_key: str) -> str:
    """The asset key a step materializes or checks."""
    return step_key.removesuffix(CHECKS_STEP_SUFFIX)


def check_result(key: str, layer: str, outcome: CheckOutcome) -> dg.AssetCheckResult:
    blocking = outcome.check.blocks(layer)
    metadata: dict[str, dg.MetadataValue] = {
        "failing_rows": dg.MetadataValue.int(outcome.failing_rows),
        "rows": dg.MetadataValue.int(outcome.total_rows),
        "blocking": dg.MetadataValue.bool(blocking),
    }
    if outcome.sample.height:
        metadata["failing_sample"] = dg.MetadataValue.md(markdown_table(outcome.sample))
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=outcome.check.name,
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description=outcome.summary,
        metadata=metadata,
    )


def medallion_checks(key: str) -> dg.AssetChecksDefinition | None:
    """One multi-check for the asset `key`, or None when its module declares no CHECKS."""
    # An invalid CHECKS list stops the definitions from loading, with a message.
    checks = declared_checks(importlib.import_module(f"core.{key}"), key)
    if not checks:
        return None
    layer, _ = split_key(key)
    specs = [
        dg.AssetCheckSpec(
            check.name,
            asset=key,
            description=check.description,
            blocking=check.blocks(layer),
        )
        for check in checks
    ]

    @dg.multi_asset_check(
        specs=specs, name=f"{key}{CHECKS_STEP_SUFFIX}", ins={"table": dg.AssetIn(key)}
    )
    def _checks(table: pl.LazyFrame):
        for outcome in evaluate(table, checks):
            yield check_result(key, layer, outcome)

    return _checks
