"""Which runs materialize the selected assets, and which partitions each one writes.

Pure planning over asset keys and their partitionings; the runner executes the plan.
Without a partition, each partitioned asset writes its newest complete partition; assets
partitioned in different ways run layer by layer (assets of one layer never depend on
each other), one run per way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from polster.contract.layers import LAYERS, layer_of
from polster.contract.options import option, via_make
from polster.contract.partitions import (
    PartitionError,
    Partitioning,
    last_complete,
    next_window,
    parse_key,
    parse_range,
)


@dataclass(frozen=True)
class PlannedRun:
    """One run: its assets, and the partitions its partitioned ones write (first, last)."""

    assets: list[str]
    partitioned: list[str]
    partitions: tuple[date, date] | None = None
    partitioning: Partitioning | None = None

    @property
    def planned(self) -> int:
        """How many partitions each partitioned asset of the run writes."""
        if self.partitions is None or self.partitioning is None:
            return 0
        return len(self.partitioning.keys(*self.partitions))


def plan_runs(
    known: list[str],
    selected: list[str],
    partitionings: dict[str, Partitioning],
    partition: str | None = None,
    partition_range: str | None = None,
    today: date | None = None,
) -> list[PlannedRun]:
    """The runs that materialize the selected assets (all when none are) as asked."""
    today = today or datetime.now(UTC).date()
    targets = selected or known
    if partition or partition_range:
        flag = option("--partition" if partition else "--partition-range", "")
        if not partitionings:
            msg = (
                f"{flag}: no asset is partitioned; partitioned assets declare PARTITIONS "
                f"({'make' if via_make() else 'polster'} add-asset ... "
                f"{option('--partitions', 'daily')})"
            )
            raise PartitionError(msg)
        targets = selected or [key for key in known if key in partitionings]
        plain = [key for key in targets if key not in partitionings]
        if plain:
            msg = (
                f"{flag}: {', '.join(plain)} is not partitioned; the partitioned assets are "
                f"{', '.join(key for key in known if key in partitionings)}"
            )
            raise PartitionError(msg)
        kinds = sorted({partitionings[key] for key in targets}, key=Partitioning.describe)
        if len(kinds) > 1:
            described = "; ".join(
                f"{kind.describe()}: {', '.join(k for k in targets if partitionings[k] == kind)}"
                for kind in kinds
            )
            msg = (
                f"{flag}: these assets are partitioned differently ({described}): "
                f"pick one kind with {option('--asset', '')}"
            )
            raise PartitionError(msg)
        (kind,) = kinds
        asset = targets[0]
        if partition:
            day = parse_key(kind, partition, today, asset)
            window = (day, day)
        else:
            window = parse_range(kind, partition_range or "", today, asset)
        return [PlannedRun(targets, targets, window, kind)]
    kinds = {partitionings[key] for key in targets if key in partitionings}
    if not kinds:
        return [PlannedRun(targets, [])]
    if len(kinds) == 1:  # one run; unpartitioned assets run beside the partitioned ones
        (kind,) = kinds
        newest = last_complete(kind.cadence, today)
        partitioned = [key for key in targets if key in partitionings]
        return [PlannedRun(targets, partitioned, (newest, newest), kind)]
    # Assets of one layer never depend on each other: layer by layer, one run per kind.
    runs = []
    for layer in LAYERS:
        in_layer = [key for key in targets if layer_of(key) == layer]
        plain = [key for key in in_layer if key not in partitionings]
        for kind in sorted(
            {partitionings[key] for key in in_layer if key in partitionings},
            key=Partitioning.describe,
        ):
            keys = [key for key in in_layer if partitionings.get(key) == kind]
            newest = last_complete(kind.cadence, today)
            runs.append(PlannedRun([*plain, *keys], keys, (newest, newest), kind))
            plain = []
        if plain:
            runs.append(PlannedRun(plain, []))
    return runs


def not_due(
    targets: list[str], partitionings: dict[str, Partitioning], today: date | None = None
) -> dict[str, date]:
    """The partitioned targets whose first partition has not ended yet (a monthly asset
    added this month), each with the day it is due: a run without a partition skips them."""
    today = today or datetime.now(UTC).date()
    due = {}
    for key in targets:
        kind = partitionings.get(key)
        if kind is not None and last_complete(kind.cadence, today) < kind.start:
            due[key] = next_window(kind.cadence, kind.start)
    return due


def not_due_line(key: str, kind: Partitioning, due: date) -> str:
    return (
        f"Skipped {key}: its first partition ({kind.describe()}) is complete on "
        f"{due.isoformat()}; it runs from then on"
    )
