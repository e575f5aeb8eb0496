"""What one run did, asset by asset: the table run_polster.py prints and saves.

For every asset: whether it was materialized, the rows this run wrote (a partition's
own, the appended ones, "nothing new" when no file landed) and rejected
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

from polster.contract.partitions import partition_span
from polster.orchestration.text_table import text_table as aligned


@dataclass(frozen=True)
class CheckFailure:
    check: str
    description: str
    blocking: bool

    def __str__(self) -> str:
        kind = "blocking" if self.blocking else "warning"
        return f"{kind} check {self.check} failed: {self.description}"


@dataclass
class AssetSummary:
    asset: str
    # materialized | failed (nothing published) | not run (an upstream failed)
    status: str = "not run"
    rows_written: int | None = None  # by this run, not the table's rows
    nothing_new: bool = False  # no new or changed file landed: no version was written
    rows_rejected: int | None = None
    checks_passed: list[str] = field(default_factory=list)
    checks_failed: list[CheckFailure] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    table: str | None = None  # where the table was written
    partitions: list[str] = field(default_factory=list)  # the partitions it wrote
    partitions_planned: int = 0  # how many it was to write (0: not partitioned)

    @property
    def partitions_text(self) -> str:
        """`-`, the partition written, or how many of the planned ones were written."""
        if not self.partitions_planned:
            return "-"
        written = len(self.partitions)
        if written == self.partitions_planned == 1:
            return self.partitions[0]
        if written < 2:
            return f"{written} of {self.partitions_planned}"
        span = partition_span(self.partitions[0], self.partitions[-1])
        return f"{written} of {self.partitions_planned} ({span})"

    @property
    def blocked(self) -> bool:
        """Whether a blocking check refused the asset's new version."""
        return any(failure.blocking for failure in self.checks_failed)

    @property
    def checks(self) -> str:
        total = len(self.checks_passed) + len(self.checks_failed)
        if not total:
            return "-"
        names = ", ".join(failure.check for failure in self.checks_failed)
        failed = f" (failed: {names})" if names else ""
        return f"{len(self.checks_passed)}/{total} passed{failed}"


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    success: bool
    assets: list[AssetSummary]
    environment: str = ""  # POLSTER_ENV of the run


def summarize(
    result: dg.ExecuteInProcessResult,
    instance: dg.DagsterInstance,
    keys: Sequence[str],
    environment: str = "",
    partitioned: Sequence[str] = (),
    partitions_planned: int = 0,
) -> RunSummary:
    """The summary of a finished run over the asset `keys` (in the order to show them);
    the `partitioned` ones were to write `partitions_planned` partitions each."""
    assets = {key: AssetSummary(key) for key in keys}
    for key in partitioned:
        assets[key].partitions_planned = partitions_planned
    for event in result.get_asset_materialization_events():
        summary = assets[event.asset_key.to_user_string()]
        metadata = event.materialization.metadata
        summary.status = "materialized"
        if event.partition:  # one event per partition, each with the run's rows written
            summary.partitions.append(event.partition)
        summary.rows_written = _value(metadata, "rows_written")
        summary.nothing_new = _value(metadata, "files_ingested") == 0
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
        blocking = evaluation.severity == dg.AssetCheckSeverity.ERROR
        failure = CheckFailure(evaluation.check_name, evaluation.description or "", blocking)
        summary.checks_failed.append(failure)
    for stats in instance.get_run_step_stats(result.run_id):
        key = stats.step_key
        if key in assets and stats.start_time and stats.end_time:
            assets[key].seconds += stats.end_time - stats.start_time
    for event in result.get_step_failure_events():
        if event.step_key in assets:
            assets[event.step_key].status = "failed"
    return RunSummary(result.run_id, result.success, list(assets.values()), environment)


def _value(metadata: dict[str, Any], name: str) -> Any:
    return metadata[name].value if name in metadata else None


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def notes_of(asset: AssetSummary) -> list[str]:
    """What to look at for one asset: its failed checks first, then its other notes."""
    return [*(str(failure) for failure in asset.checks_failed), *asset.notes]


def partitioned(summary: RunSummary) -> bool:
    """Whether the run wrote partitions (its tables then have a partitions column)."""
    return any(asset.partitions_planned for asset in summary.assets)


def headers_of(summary: RunSummary) -> list[str]:
    return HEADERS if partitioned(summary) else [name for name in HEADERS if name != "partitions"]


def rows_of(summary: RunSummary) -> list[list[str]]:
    with_partitions = partitioned(summary)
    return [
        [
            asset.asset,
            asset.status,
            *([asset.partitions_text] if with_partitions else []),
            "nothing new" if asset.nothing_new else _count(asset.rows_written),
            _count(asset.rows_rejected),
            asset.checks,
            f"{asset.seconds:.1f}s",
        ]
        for asset in summary.assets
    ]


HEADERS = ["asset", "status", "partitions", "rows written", "rows rejected", "checks", "duration"]


def text_table(summary: RunSummary) -> str:
    """The summary as aligned columns for the terminal, notes underneath."""
    right = {3, 4} if partitioned(summary) else {2, 3}
    lines = [aligned(headers_of(summary), rows_of(summary), right=right)]
    lines += [f"  {asset.asset}: {note}" for asset in summary.assets for note in notes_of(asset)]
    roots = {asset.table.rsplit("/", 2)[0] for asset in summary.assets if asset.table}
    lines += [f"Tables in {root}" for root in sorted(roots)]
    return "\n".join(lines)


def markdown(summary: RunSummary) -> str:
    """The summary as a Markdown report."""
    outcome = "succeeded" if summary.success else "failed"
    where = f" in the {summary.environment} environment" if summary.environment else ""
    headers = headers_of(summary)
    lines = [
        f"# Run {summary.run_id}",
        "",
        f"The run {outcome}{where}.",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
        *("| " + " | ".join(row) + " |" for row in rows_of(summary)),
    ]
    notes = [f"- **{asset.asset}**: {note}" for asset in summary.assets for note in notes_of(asset)]
    if notes:
        lines += ["", "## Notes", "", *notes]
    return "\n".join(lines) + "\n"


def save(summary: RunSummary, folder: Path) -> Path:
    """Write summary.md and summary.json into `folder`; returns the Markdown file."""
    folder.mkdir(parents=True, exist_ok=True)
    report = {
        "run_id": summary.run_id,
        "environment": summary.environment,
        "success": summary.success,
        "assets": [
            {**asdict(asset), "seconds": round(asset.seconds, 3)} for asset in summary.assets
        ],
    }
    (folder / "summary.json").write_text(json.dumps(report, indent=2) + "\n")
    path = folder / "summary.md"
    path.write_text(markdown(summary))
    return path
