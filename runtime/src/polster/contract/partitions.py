"""Time partitions: what a partitioned asset declares, and the windows its partitions cover.

A core module declares `PARTITIONS = "daily"` (or "weekly", "monthly") and
`PARTITIONS_START = "2024-01-01"`, its first partition. A partition is named by the first
day of its window (`2024-01-03`; weeks start on Monday), its compute function may take it
as the keyword parameter `partition` (a `datetime.date`), and its table holds each row's
partition in the column `partition_date`: writing a partition replaces exactly its rows.
A backfill (a range) is one run, unless the module declares `PARTITIONS_PER_RUN = 7`: then
Dagster's backfills split the range into runs of at most that many partitions, which its
daemon launches side by side (`run_polster.py --fan-out N` does the same from the shell).
Pure functions; Dagster's partitions definitions are built from these in orchestration.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from polster.contract.errors import PolsterError

CADENCES = ("daily", "weekly", "monthly")
PARTITION_COLUMN = "partition_date"  # the column that holds each row's partition
KEY_FORMAT = "YYYY-MM-DD"
RANGE_SEPARATOR = "..."  # Dagster's notation: 2024-01-01...2024-01-31
# Which downstream cadences can follow an upstream cadence: the same, or windows made of
# whole upstream windows (a week or a month of days). Weeks do not fit into months.
FOLLOWS = {"daily": CADENCES, "weekly": ("weekly",), "monthly": ("monthly",)}


class PartitionError(PolsterError, ValueError):
    """A partition declaration, key or range Polster cannot use; the message says why."""


@dataclass(frozen=True)
class Partitioning:
    """How an asset is partitioned: its cadence and first partition."""

    cadence: str
    start: date

    def window(self, partition: date) -> tuple[date, date]:
        """The days of `partition`'s window: [first, end)."""
        return partition, next_window(self.cadence, partition)

    def keys(self, first: date, last: date) -> list[date]:
        """Every partition from `first` to `last` (both included)."""
        return list(_windows(self.cadence, first, last))

    def describe(self) -> str:
        return f"{self.cadence} from {self.start.isoformat()}"


def partition_span(first: date | str, last: date | str) -> str:
    """A partition, or a range of them in Dagster's notation: `2024-01-01...2024-01-31`."""
    return str(first) if first == last else f"{first}{RANGE_SEPARATOR}{last}"


def window_start(cadence: str, day: date) -> date:
    """The first day of the window of `cadence` that holds `day`."""
    if cadence == "daily":
        return day
    if cadence == "weekly":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def next_window(cadence: str, start: date) -> date:
    """The first day of the window after the one starting on `start`."""
    if cadence == "daily":
        return start + timedelta(days=1)
    if cadence == "weekly":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def last_complete(cadence: str, today: date) -> date:
    """The newest window that has ended by `today` (yesterday's, for daily partitions)."""
    return window_start(cadence, window_start(cadence, today) - timedelta(days=1))


def _windows(cadence: str, first: date, last: date) -> Iterator[date]:
    current = first
    while current <= last:
        yield current
        current = next_window(cadence, current)


def parse_partitioning(cadence: object, start: object, where: str) -> Partitioning:
    """The PARTITIONS and PARTITIONS_START of a core module (`where`), checked."""
    if cadence not in CADENCES:
        msg = f'PARTITIONS in {where} must be "daily", "weekly" or "monthly", not {cadence!r}'
        raise PartitionError(msg)
    if not isinstance(start, str):
        msg = (
            f"PARTITIONS_START in {where} must be the first partition as {KEY_FORMAT}, "
            f'e.g. PARTITIONS_START = "2024-01-01", not {start!r}'
        )
        raise PartitionError(msg)
    first = parse_day(start, f"PARTITIONS_START in {where}")
    if window_start(str(cadence), first) != first:
        msg = (
            f"PARTITIONS_START in {where} is {start}, which does not start a "
            f"{_window_name(str(cadence))} (weeks start on Monday): use "
            f"{window_start(str(cadence), first).isoformat()}"
        )
        raise PartitionError(msg)
    return Partitioning(str(cadence), first)


def parse_per_run(value: object, where: str) -> int | None:
    """The PARTITIONS_PER_RUN of a core module (`where`), checked: a whole number from 1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = (
            f"PARTITIONS_PER_RUN in {where} must be a whole number of partitions from 1, "
            f"e.g. PARTITIONS_PER_RUN = 7, not {value!r}"
        )
        raise PartitionError(msg)
    return value


def split_range(keys: list[date], parts: int) -> list[tuple[date, date]]:
    """`keys` (partitions in order) as at most `parts` contiguous ranges (first, last) of
    nearly equal length, the longer ones first."""
    count = min(parts, len(keys))
    size, longer = divmod(len(keys), count)
    chunks, start = [], 0
    for number in range(count):
        end = start + size + (1 if number < longer else 0)
        chunks.append((keys[start], keys[end - 1]))
        start = end
    return chunks


def parse_day(text: str, what: str) -> date:
    try:
        if len(text) != len(KEY_FORMAT):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        msg = f"{what} is {text!r}, which is not a date as {KEY_FORMAT}, e.g. 2024-01-03"
        raise PartitionError(msg) from None


def parse_key(partitioning: Partitioning, key: str, today: date, asset: str) -> date:
    """The partition named `key`, checked against the asset's definition."""
    day = parse_day(key, f"the partition of {asset}")
    if window_start(partitioning.cadence, day) != day:
        msg = (
            f"{key} is not a partition of {asset}, whose partitions are "
            f"{_window_name(partitioning.cadence)}s: use "
            f"{window_start(partitioning.cadence, day).isoformat()}"
        )
        raise PartitionError(msg)
    newest = last_complete(partitioning.cadence, today)
    if not partitioning.start <= day <= newest:
        msg = (
            f"{key} is outside the partitions of {asset} ({partitioning.describe()} to "
            f"{newest.isoformat()}, the last complete {_window_name(partitioning.cadence)})"
        )
        raise PartitionError(msg)
    return day


def parse_range(
    partitioning: Partitioning, text: str, today: date, asset: str
) -> tuple[date, date]:
    """The first and last partitions of a range written `START...END` (both included)."""
    first, separator, last = text.partition(RANGE_SEPARATOR)
    if not separator or not first or not last:
        msg = (
            f"the partition range {text!r} must be written START{RANGE_SEPARATOR}END, "
            f"e.g. 2024-01-01{RANGE_SEPARATOR}2024-01-31"
        )
        raise PartitionError(msg)
    start = parse_key(partitioning, first, today, asset)
    end = parse_key(partitioning, last, today, asset)
    if end < start:
        msg = (
            f"the partition range {text} runs backwards: write the earlier partition first "
            f"({last}{RANGE_SEPARATOR}{first})"
        )
        raise PartitionError(msg)
    return start, end


def mapping_problem(
    key: str, partitioning: Partitioning, upstream: str, upstream_partitioning: Partitioning
) -> str | None:
    """Why `key` cannot follow its partitioned `upstream`, or None when each of its windows is
    made of whole upstream windows (the same cadence, or weeks or months of days)."""
    if partitioning.cadence in FOLLOWS[upstream_partitioning.cadence]:
        return None
    return (
        f"{key} is partitioned {partitioning.cadence} but its upstream {upstream} is "
        f"partitioned {upstream_partitioning.cadence}, and a {_window_name(partitioning.cadence)} "
        f"is not made of whole {_window_name(upstream_partitioning.cadence)}s. Fix: partition "
        f'{key} as its upstream: PARTITIONS = "{upstream_partitioning.cadence}" in '
        f"src/core/{key}.py"
    )


def _window_name(cadence: str) -> str:
    return {"daily": "day", "weekly": "week", "monthly": "month"}[cadence]
