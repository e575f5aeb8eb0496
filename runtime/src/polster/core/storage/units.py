"""Kept and rejected rows of one write are one unit: a split left by a killed write is
found, and repaired, from the tables' logs alone (any machine can do it).

Both commits of a quarantined write record its id as `polster_unit`, the rejected rows
first. A write killed between them leaves the rejected table one unit ahead of the kept
table. In a table written by partitions, writers of other partitions commit in between
(each holds its own partition's lock), so the tables' latest commits belong to different
units without anything being split: the units are compared per partition there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from deltalake import CommitProperties, DeltaTable, write_deltalake

from polster.contract.partitions import PARTITION_COLUMN
from polster.core.storage.commits import RECENT_COMMITS, last_write, row_writes


@dataclass(frozen=True)
class Split:
    """The rejected rows of `partition` (None: of the table) are one unit ahead of the kept
    rows: the rejected table's `version` holds those of the kept rows' `unit`; without a
    version, no kept rows go with them at all."""

    partition: date | None
    unit: str | None
    version: int | None


class Log:
    """A table's row-writing commits, newest first: the recent ones, the whole log if asked."""

    def __init__(self, table: DeltaTable) -> None:
        self.table = table
        self.recent = row_writes(table, RECENT_COMMITS)
        self._all: list[dict[str, Any]] | None = None

    def find(self, wanted: Any) -> dict[str, Any] | None:
        """The newest commit `wanted(commit)` accepts: among the recent ones, else in all."""
        found = next((commit for commit in self.recent if wanted(commit)), None)
        if found is None and len(self.recent) >= RECENT_COMMITS:
            if self._all is None:
                self._all = row_writes(self.table, None)
            found = next((commit for commit in self._all if wanted(commit)), None)
        return found


def find_splits(kept: DeltaTable | None, rejected: DeltaTable) -> list[Split]:
    """The units a killed write split between the two tables (none in the usual case)."""
    if kept is None:
        # The very first write died between its commits: its rejected rows belong to no
        # kept rows at all.
        writes = row_writes(rejected, None)
        first = len(writes) == 1 and writes[0]["version"] == 0 and writes[0].get("polster_unit")
        return [Split(None, None, None)] if first else []
    rejected_log, kept_log = Log(rejected), Log(kept)
    newest = next(iter(rejected_log.recent), None)
    if rejected.metadata().partition_columns != [PARTITION_COLUMN] or (
        newest is not None and not newest.get("polster_partition")  # a whole-table restore
    ):
        return _whole_table_split(kept, rejected_log)
    splits, seen = [], set()
    for commit in rejected_log.recent:
        day = commit.get("polster_partition")
        if not day:
            break  # older than the last whole-table commit
        if day in seen:
            continue
        seen.add(day)
        unit = commit.get("polster_unit")
        if unit is None or kept_log.find(lambda c, u=unit: c.get("polster_unit") == u):
            continue  # its kept rows were committed: one unit
        kept_unit = (kept_log.find(lambda c, d=day: c.get("polster_partition") == d) or {}).get(
            "polster_unit"
        )
        if kept_unit is None:  # no kept rows of that partition, or none with a unit
            if kept_log.find(lambda c, d=day: c.get("polster_partition") == d) is None:
                splits.append(Split(date.fromisoformat(day), None, None))
            continue
        match = rejected_log.find(lambda c, u=kept_unit: c.get("polster_unit") == u)
        if match is not None:
            splits.append(Split(date.fromisoformat(day), kept_unit, match["version"]))
    return splits


def _whole_table_split(kept: DeltaTable, rejected_log: Log) -> list[Split]:
    unit = last_write(kept).get("polster_unit")
    newest = next(iter(rejected_log.recent), None)
    if unit is None or newest is None or newest.get("polster_unit") == unit:
        return []
    match = rejected_log.find(lambda commit: commit.get("polster_unit") == unit)
    return [] if match is None else [Split(None, unit, match["version"])]


def units_by_partition(writes: list[dict[str, Any]], version: int) -> dict[str | None, str | None]:
    """Which write unit the rows of each partition of a table at `version` come from, from
    its commits that wrote rows (row_writes, newest first): for each partition written by
    partition since the last whole-table commit, the unit of its newest write; under None,
    that commit's unit, for every other partition (absent when there is no such commit).
    A unit is None where a commit records none."""
    units: dict[str | None, str | None] = {}
    for commit in writes:
        if commit["version"] > version:
            continue
        day = commit.get("polster_partition") or None
        if day is None:
            units[None] = commit.get("polster_unit")
            break
        units.setdefault(day, commit.get("polster_unit"))
    return units


def rows_by_partition(
    versions: dict[str | None, int], rows_at: Callable[[int], pl.LazyFrame]
) -> pl.LazyFrame:
    """Each partition's rows from its own version of a table (`rows_at` reads one); under
    None, the version of every other partition (see units_by_partition)."""
    days = [date.fromisoformat(day) for day in versions if day is not None]
    others = pl.col(PARTITION_COLUMN).is_in(days).not_()
    frames = [
        rows_at(version).filter(
            others if day is None else pl.col(PARTITION_COLUMN) == date.fromisoformat(day)
        )
        for day, version in versions.items()
    ]
    return pl.concat(frames, how="diagonal_relaxed")


def rows_of_kept_units(
    rejected: pl.LazyFrame, splits: list[Split], rows_at: Callable[[int], pl.LazyFrame]
) -> pl.LazyFrame:
    """The `rejected` rows as they go with the kept rows: those of each split partition
    (or of the whole table) from the version of the kept rows' unit (`rows_at` reads one),
    none where no kept rows go with them. For a reader while a write is between its
    two commits."""
    for split in splits:
        if split.partition is None:
            return rejected.head(0) if split.version is None else rows_at(split.version)
        rejected = rejected.filter(pl.col(PARTITION_COLUMN) != split.partition)
        if split.version is not None:
            before = rows_at(split.version).filter(pl.col(PARTITION_COLUMN) == split.partition)
            rejected = pl.concat([rejected, before], how="diagonal_relaxed")
    return rejected


def repair_partition(
    rejected: DeltaTable,
    split: Split,
    metadata: dict[str, str],
    rows_at: Callable[[int], pl.LazyFrame],
) -> None:
    """Make the rejected rows of `split.partition` those of `split.version` again (`rows_at`
    reads a version; none when no kept rows go with them), in one commit that records
    `metadata`."""
    day = split.partition.isoformat() if split.partition else ""
    predicate = f"`{PARTITION_COLUMN}` = '{day}'"
    properties = CommitProperties(custom_metadata={**metadata, "polster_partition": day})
    if split.version is None:
        rejected.delete(predicate, commit_properties=properties)
        return
    rows = rows_at(split.version).filter(pl.col(PARTITION_COLUMN) == split.partition).collect()
    write_deltalake(
        rejected, rows, mode="overwrite", predicate=predicate, commit_properties=properties
    )
