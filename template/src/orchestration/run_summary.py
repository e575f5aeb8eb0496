"""What one run did, asset by asset: the table run_polster.py prints and saves.

For every asset: whether it was materialized, the rows written and rejected
(quarantined), its checks, how long it took, and anything to look at (schema
drift, a storage fallback, why it failed). Saved as Markdown and JSON under
reports/<run id>/ so that every run leaves an auditable summary.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg


@dataclass
class AssetSummary:
    asset: str
    status: str = "not run"  # materialized | failed | not run (an upstream failed)
    rows_written: int | None = None
    rows_rejected: int | None = None
    checks_passed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    table: str | None = None  # where the table was written

    @property
    def checks(self) -> str:
        total = len(self.checks_passed) + len(self.checks_failed)
        if not total:
            return "-"
        failed = f" (failed: {', '.join(self.checks_failed)})" if self.checks_failed else ""
        return f"{len(self.checks_passed)}/{total} passed{failed}"


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    success: bool
    assets: list[AssetSummary]

    @property
    def blocking_failures(self) -> list[str]:
        """Each failed blocking check: `at <asset>: blocking check <name> failed: ...`."""
        return [
            f"at {asset.asset}: {note}"
            for asset in self.assets
            for note in asset.notes
            if note.startswith("blocking check")
        ]


def summarize(
    result: dg.ExecuteInProcessResult, instance: dg.DagsterInstance, keys: Sequence[str]
) -> RunSummary:
    """The summary of a finished run over the asset `keys` (in the order to show them)."""
    assets = {key: AssetSummary(key) for key in keys}
    for event in result.get_asset_materialization_events():
        summary = assets[event.asset_key.to_user_string()]
        metadata = event.materialization.metadata
        summary.status = "materialized"
        summary.rows_written = _value(metadata, "dagster/row_count")
        summary.rows_rejected = _value(metadata, "rows_rejected")
        summary.table = _value(metadata, "dagster/uri")
        if "schema_drift" in metadata:
            summary.notes.append("schema drift: " + metadata["schema_drift"].value)
        if "storage_fallback" in metadata:
            summary.notes.append("written locally: " + metadata["storage_fallback"].value)
    for evaluation in result.get_asset_check_evaluations():
        summary = assets[evaluation.asset_key.to_user_string()]
        if evaluation.passed:
            summary.checks_passed.append(evaluation.check_name)
            continue
        summary.checks_failed.append(evaluation.check_name)
        kind = "blocking" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warning"
        failure = f"{kind} check {evaluation.check_name} failed: {evaluation.description}"
        summary.notes.append(failure)
    for stats in instance.get_run_step_stats(result.run_id):
        key = stats.step_key.removesuffix("_checks")
        if key in assets and stats.start_time and stats.end_time:
            assets[key].seconds += stats.end_time - stats.start_time
    for event in result.get_step_failure_events():
        if event.step_key in assets:
            assets[event.step_key].status = "failed"
    return RunSummary(result.run_id, result.success, list(assets.values()))


def _value(metadata: dict[str, Any], name: str) -> Any:
    return metadata[name].value if name in metadata else None


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def rows_of(summary: RunSummary) -> list[list[str]]:
    return [
        [
            asset.asset,
            asset.status,
            _count(asset.rows_written),
            _count(asset.rows_rejected),
            asset.checks,
            f"{asset.seconds:.1f}s",
        ]
        for asset in summary.assets
    ]


HEADERS = ["asset", "status", "rows written", "rows rejected", "checks", "duration"]


def text_table(summary: RunSummary) -> str:
    """The summary as aligned columns for the terminal, notes underneath."""
    rows = [HEADERS, *rows_of(summary)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADERS))]
    lines = [
        "  ".join(
            cell.rjust(width) if 2 <= column <= 3 else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    lines += [f"  {asset.asset}: {note}" for asset in summary.assets for note in asset.notes]
    roots = {asset.table.rsplit("/", 2)[0] for asset in summary.assets if asset.table}
    lines += [f"Tables in {root}" for root in sorted(roots)]
    return "\n".join(lines)


def markdown(summary: RunSummary) -> str:
    """The summary as a Markdown report."""
    outcome = "succeeded" if summary.success else "failed"
    lines = [
        f"# Run {summary.run_id}",
        "",
        f"The run {outcome}.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
        *("| " + " | ".join(row) + " |" for row in rows_of(summary)),
    ]
    notes = [f"- **{asset.asset}**: {note}" for asset in summary.assets for note in asset.notes]
    if notes:
        lines += ["", "## Notes", "", *notes]
    return "\n".join(lines) + "\n"


def save(summary: RunSummary, folder: Path) -> Path:
    """Write summary.md and summary.json into `folder`; returns the Markdown file."""
    folder.mkdir(parents=True, exist_ok=True)
    report = {
        "run_id": summary.run_id,
        "success": summary.success,
        "assets": [
            {**asdict(asset), "seconds": round(asset.seconds, 3)} for asset in summary.assets
        ],
    }
    (folder / "summary.json").write_text(json.dumps(report, indent=2) + "\n")
    path = folder / "summary.md"
    path.write_text(markdown(summary))
    return path
