"""What a write produces, and how it is refused: the storage's types and errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from polster.contract.errors import PolsterError
from polster.contract.layers import layer_of
from polster.contract.quality import (
    Check,
    CheckOutcome,
    Quarantined,
    evaluate,
)
from polster.core.landing import (
    Landing,
)
from polster.core.sources.files import LandedFile

Frame = pl.DataFrame | pl.LazyFrame
Output = Frame | Quarantined | Landing  # what a compute function may return


class StorageError(PolsterError, RuntimeError):
    """A table cannot be read or written; the message says what to do."""


@dataclass(frozen=True)
class Audit:
    """What a new version must pass before it is published."""

    checks: Sequence[Check] = ()
    allow_empty: bool = True  # False: a result without rows is refused (bronze's default)
    # The module's SCHEMA, if it declares one: it decides which columns the table keeps.
    schema: Mapping[str, pl.DataType] | None = None

    def run(
        self, key: str, rows: pl.LazyFrame, row_count: int
    ) -> tuple[list[CheckOutcome], list[str]]:
        """The outcome of every check on `rows`, and why they may not be published
        (`row_count`: the rows of the result written, which the empty-result rule counts)."""
        layer = layer_of(key) or "bronze"
        if self.checks:
            check_columns(key, rows.collect_schema().names(), self.checks)
        outcomes = evaluate(rows, self.checks)
        refusals = [
            f"blocking check {outcome.check.name} failed: {outcome.summary}"
            for outcome in outcomes
            if outcome.check.blocks(layer) and not outcome.passed
        ]
        if not self.allow_empty and row_count == 0:
            refusals.append(
                f"the result has no rows (if that is fine, set ALLOW_EMPTY = True in "
                f"src/core/{key}.py)"
            )
        return outcomes, refusals


def check_columns(key: str, columns: Sequence[str], checks: Sequence[Check]) -> None:
    """Every column a check names is in the rows: else one line naming the check, its
    module's CHECKS and the columns there are; nothing is written."""
    for check in checks:
        named = [
            *check.key,
            *(check.failing.meta.root_names() if check.failing is not None else []),
        ]
        missing = [column for column in dict.fromkeys(named) if column not in columns]
        if missing:
            msg = (
                f"{key} was not published: the check {check.name} in CHECKS of "
                f"src/core/{key.removesuffix('__rejected')}.py names column(s) "
                f"{', '.join(missing)}, which the rows do not have (their columns: "
                f"{', '.join(columns)}); fix the check or the function; nothing was written"
            )
            raise StorageError(msg)


class AuditError(StorageError):
    """A new version failed its audit: nothing was published, the previous one is current."""

    def __init__(self, message: str, outcomes: Sequence[CheckOutcome]) -> None:
        super().__init__(message)
        self.outcomes = list(outcomes)


@dataclass(frozen=True)
class WrittenTable:
    """What one write produced: where, which Delta version, how many rows, which columns."""

    key: str
    uri: str
    version: int
    row_count: int
    schema: pl.Schema
    outcomes: tuple[CheckOutcome, ...] = ()  # the audit's checks, on the rows published
    preview: pl.DataFrame | None = None  # the first rows, read from the file just written
    sample_uri: str | None = None  # the local sample written beside an ADLS table
    fallback_reason: str | None = None  # why the table went to local storage instead
    rejected: WrittenTable | None = None  # the quarantined rows, for a Quarantined output
    notes: tuple[str, ...] = ()  # what the write repaired or cleaned up on its way
    ingested: tuple[LandedFile, ...] | None = None  # the files added, for a Landing output
    partition: date | None = None  # the partition written, for a partitioned asset
    # The rows this write wrote (row_count is the table's): a partition's, the appended or
    # merged ones, the whole table for an overwrite; 0 when nothing new landed.
    rows_written: int | None = None


@dataclass(frozen=True)
class Commit:
    """A table's current version as its Delta log records it (no data file is read)."""

    version: int
    timestamp_ms: int
    run_id: str | None  # the Dagster run that wrote it; None for a standalone script
    rows: int
