"""Table maintenance: compact small files (optimize) and delete the old ones (vacuum).

Every write adds data files, appends leave many small ones, and every version keeps its
files until a vacuum deletes them. `optimize` rewrites the current files into a few large
ones: a new version with exactly the same rows. `vacuum` deletes the files no version
inside the retention period uses: every version that was current at some moment of that
period can still be restored (`polster restore`), and the result says which ones those are.
A retention shorter than the table's safe minimum (Delta's
`delta.deletedFileRetentionDuration`, 7 days unless the table sets another) is refused
unless forced: it would take restore away from versions people may still need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from polster.contract.errors import PolsterError
from polster.contract.options import option
from polster.core.storage import TableStore

SAFE_RETENTION = timedelta(days=7)  # Delta's default deletedFileRetentionDuration
DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$")
MAX_RETENTION_HOURS = 2**31 - 1
UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7}
INTERVAL = re.compile(r"^\s*interval\s+(\d+)\s+(hour|day|week)s?\s*$", re.IGNORECASE)


class MaintenanceError(PolsterError, ValueError):
    """A maintenance command was asked for something unsafe or malformed; nothing changed."""


def parse_retention(text: str) -> timedelta:
    """`168h`, `7d` or `1w` as a duration (whole hours: Delta's vacuum counts in hours)."""
    match = DURATION.match(text)
    if match is None:
        msg = f"--retain {text!r}: give a duration in hours, days or weeks, e.g. 168h, 7d or 1w"
        raise MaintenanceError(msg)
    hours = int(match.group(1)) * UNIT_HOURS[match.group(2)]
    if hours > MAX_RETENTION_HOURS:  # delta-rs counts the hours in a 32-bit number
        msg = f"--retain {text!r} is too long: at most {MAX_RETENTION_HOURS // 24 // 365:,} years"
        raise MaintenanceError(msg)
    return timedelta(hours=hours)


def describe(duration: timedelta) -> str:
    hours = int(duration.total_seconds() // 3600)
    if hours and hours % 24 == 0:
        return f"{hours // 24}d"
    return f"{hours}h"


def safe_retention(store: TableStore, key: str) -> timedelta:
    """The shortest retention a vacuum of `key` may use without --force."""
    configured = store.properties(key).get("delta.deletedFileRetentionDuration", "")
    match = INTERVAL.match(configured)
    if match is None:
        return SAFE_RETENTION
    unit = match.group(2).lower()[0]
    return timedelta(hours=int(match.group(1)) * UNIT_HOURS[unit])


@dataclass(frozen=True)
class Optimized:
    key: str
    files_before: int
    files_after: int
    version: int | None  # the new version; None when the table was compact already

    def __str__(self) -> str:
        if self.version is None:
            return f"{self.key}: already compact ({self.files_before} file(s)); nothing written"
        return (
            f"{self.key}: {self.files_before} file(s) -> {self.files_after} (version "
            f"{self.version}, the same rows); older versions keep their files until a vacuum"
        )


def optimize(store: TableStore, key: str, zorder: tuple[str, ...] = ()) -> Optimized:
    """Compact the table of `key`; with `zorder`, also cluster its rows by those columns."""
    if zorder:
        columns = store.read(key).collect_schema().names()
        unknown = [column for column in zorder if column not in columns]
        if unknown:
            msg = (
                f"--zorder {', '.join(unknown)}: {key} has no such column; "
                f"its columns are {', '.join(columns)}"
            )
            raise MaintenanceError(msg)
    before, after, version = store.optimize(key, zorder)
    return Optimized(key, before, after, version)


@dataclass(frozen=True)
class Vacuumed:
    key: str
    deleted: int  # files deleted (or, with dry_run, that would be)
    retention: timedelta
    restorable: range  # the versions that can still be restored
    dry_run: bool

    def __str__(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        first = self.restorable.start
        line = (
            f"{self.key}: {verb} {self.deleted} file(s) that no version of the last "
            f"{describe(self.retention)} uses; every version from {first} on can still be "
            "restored"
        )
        if first > 0 and self.deleted:
            line += " (older ones were replaced before then and may not be)"
        return line


def vacuum(
    store: TableStore,
    key: str,
    retention: timedelta | None = None,
    force: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
) -> Vacuumed:
    """Delete the files of `key` that no version current during `retention` uses.

    The versions current at some moment since `now - retention` are passed to Delta as
    versions to keep, so a restore of any of them keeps working, whatever the files'
    timestamps say. Without `force`, a retention below the safe minimum is refused.
    """
    minimum = safe_retention(store, key)
    retention = minimum if retention is None else retention
    if retention < minimum and not force:
        msg = (
            f"{option('--retain', describe(retention))} is shorter than {key}'s safe minimum of "
            f"{describe(minimum)}: versions replaced within the last {describe(minimum)} could "
            "no longer be restored. "
            f"Nothing was deleted; add {option('--force')} to vacuum anyway"
        )
        raise MaintenanceError(msg)
    commits = store.history(key)
    newest = max(commit["version"] for commit in commits)
    cutoff = (now or datetime.now(UTC)) - retention
    replaced_at = {commit["version"] - 1: commit["timestamp"] for commit in commits}
    first = min(
        (
            version
            for version, when in replaced_at.items()
            if version >= 0 and datetime.fromtimestamp(when / 1000, UTC) >= cutoff
        ),
        default=newest,
    )
    keep = range(first, newest + 1)
    deleted = store.vacuum(
        key,
        retention_hours=int(retention.total_seconds() // 3600),
        keep_versions=keep,
        enforce=not force,
        dry_run=dry_run,
    )
    if not dry_run and deleted:
        keep = range(first, store.history(key, 1)[0]["version"] + 1)  # + the vacuum's commits
    return Vacuumed(key, len(deleted), retention, keep, dry_run)
