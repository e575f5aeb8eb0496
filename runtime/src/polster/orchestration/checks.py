"""Dagster asset checks for the CHECKS each core module declares.

The checks run inside the asset's own step, on the rows about to be published (see
polster.core.storage: write -> audit -> publish), and are reported to Dagster from there. On
silver and gold they block by default: when one fails, the table is not published and
nothing downstream runs, in that run or later by automation.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from polster.contract.layers import split_key
from polster.contract.quality import Check, CheckOutcome
from polster.orchestration.io_manager import markdown_table


def check_specs(key: str, checks: Sequence[Check]) -> list[dg.AssetCheckSpec]:
    """What Dagster shows of each declared check before it has run."""
    layer, _ = split_key(key)
    return [
        dg.AssetCheckSpec(
            check.name, asset=key, description=check.description, blocking=check.blocks(layer)
        )
        for check in checks
    ]


def check_result(key: str, layer: str, outcome: CheckOutcome) -> dg.AssetCheckResult:
    """One check's outcome as Dagster records it: passed or not, how many rows fail, a sample."""
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
