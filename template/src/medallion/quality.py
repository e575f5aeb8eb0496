"""Data quality, declared next to the logic: checks, quarantined rows and schema contracts.

A core module may declare, beside its compute function:

    CHECKS = [not_null("order_id"), unique("order_id"), in_range("quantity", low=1)]
    SCHEMA = {"order_id": pl.String, "quantity": pl.Int64}

Dagster turns every check into an asset check (blocking on silver and gold: a failure
stops everything downstream), and a frame that breaks SCHEMA is refused before it is
written (medallion.declaration.compute_output). A silver function can also return
`quarantine(frame, rules)`: the rows a rule rejects go to a companion table with the
reason, instead of disappearing.
Everything here is pure Polars: no Dagster, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from medallion.layers import REJECTED_SUFFIX

REASON_COLUMN = "rejected_reason"
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class Check:
    """A rule every row (or the table) must satisfy; `failing` marks the rows that break it.

    `blocking=None` takes the layer's default: blocking on silver and gold, a warning on
    bronze. A table-level check (`min_rows`) has no `failing` expression.
    """

    name: str
    description: str
    failing: pl.Expr | None = None
    min_rows: int = 0
    blocking: bool | None = None

    def blocks(self, layer: str) -> bool:
        """Whether a failure stops what is downstream, on an asset of `layer`."""
        return self.blocking if self.blocking is not None else layer != "bronze"


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one check on one table."""

    check: Check
    failing_rows: int
    total_rows: int
    sample: pl.DataFrame  # a few failing rows, to show what is wrong

    @property
    def passed(self) -> bool:
        if self.check.failing is None:
            return self.total_rows >= self.check.min_rows
        return self.failing_rows == 0

    @property
    def summary(self) -> str:
        if self.check.failing is None:
            return f"{self.total_rows:,} rows, at least {self.check.min_rows:,} expected"
        return f"{self.failing_rows:,} of {self.total_rows:,} rows fail: {self.check.description}"


# The vocabulary. Every check takes `name=` (default: derived from its columns, unique
# per asset) and `blocking=` (default: blocking on silver and gold, a warning on bronze).


def not_null(*columns: str, name: str | None = None, blocking: bool | None = None) -> Check:
    """Every listed column has a value in every row."""
    failing = pl.any_horizontal(pl.col(column).is_null() for column in columns)
    description = f"{', '.join(columns)} must not be null"
    return Check(name or f"{'_'.join(columns)}_not_null", description, failing, blocking=blocking)


def unique(*columns: str, name: str | None = None, blocking: bool | None = None) -> Check:
    """No two rows share the same values in the listed columns."""
    failing = pl.struct(columns).is_duplicated()
    description = f"{', '.join(columns)} must be unique"
    return Check(name or f"{'_'.join(columns)}_unique", description, failing, blocking=blocking)


def accepted_values(
    column: str, values: Sequence[object], name: str | None = None, blocking: bool | None = None
) -> Check:
    """The column holds only the listed values (nulls are left to `not_null`)."""
    failing = pl.col(column).is_not_null() & ~pl.col(column).is_in(list(values))
    description = f"{column} must be one of {', '.join(map(str, values))}"
    return Check(name or f"{column}_accepted_values", description, failing, blocking=blocking)


def in_range(
    column: str,
    low: float | None = None,
    high: float | None = None,
    name: str | None = None,
    blocking: bool | None = None,
) -> Check:
    """The column's values lie between `low` and `high` (both included; either may be open)."""
    if low is None and high is None:
        msg = f"in_range({column!r}) needs low=, high= or both"
        raise ValueError(msg)
    value = pl.col(column)
    failing = pl.lit(False)
    if low is not None:
        failing = failing | (value < low)
    if high is not None:
        failing = failing | (value > high)
    bounds = f"{'-inf' if low is None else low}..{'inf' if high is None else high}"
    description = f"{column} must be in {bounds}"
    return Check(name or f"{column}_in_range", description, failing, blocking=blocking)


def min_rows(count: int, name: str | None = None, blocking: bool | None = None) -> Check:
    """The table has at least `count` rows."""
    description = f"at least {count} rows"
    return Check(name or f"at_least_{count}_rows", description, min_rows=count, blocking=blocking)


def expect(name: str, condition: pl.Expr, blocking: bool | None = None) -> Check:
    """A custom rule: `condition` is true for every valid row (`name` says what it means)."""
    failing = ~condition.fill_null(False)
    return Check(name, name.replace("_", " "), failing, blocking=blocking)


def evaluate(frame: pl.LazyFrame, checks: Sequence[Check]) -> list[CheckOutcome]:
    """Run every check over `frame` in one pass; fetch sample rows only for failures."""
    if not checks:
        return []
    counts = frame.select(
        pl.len().alias("__rows"),
        *(
            check.failing.sum().alias(f"__check_{index}")
            for index, check in enumerate(checks)
            if check.failing is not None
        ),
    ).collect()
    total = counts["__rows"].item()
    outcomes = []
    for index, check in enumerate(checks):
        failing = counts[f"__check_{index}"].item() if check.failing is not None else 0
        sample = pl.DataFrame()
        if failing:
            sample = frame.filter(check.failing).head(SAMPLE_ROWS).collect()
        outcomes.append(CheckOutcome(check, failing, total, sample))
    return outcomes


def duplicate_check_names(checks: Sequence[Check]) -> list[str]:
    names = [check.name for check in checks]
    return sorted({name for name in names if names.count(name) > 1})


@dataclass(frozen=True)
class Quarantined:
    """The rows a transformation keeps, and the rows it rejected (with `rejected_reason`)."""

    kept: pl.LazyFrame
    rejected: pl.LazyFrame


def rejected_key(key: str) -> str:
    """The key of the table that holds the rows `key` rejected."""
    return f"{key}{REJECTED_SUFFIX}"


def quarantine(frame: pl.LazyFrame, rules: Mapping[str, pl.Expr]) -> Quarantined:
    """Split `frame` by `rules` ({reason: expression true for rows to reject}).

    A row is rejected for the first rule it breaks, in the order given; every other
    row is kept. Kept plus rejected is always every input row.
    """
    reason = pl.lit(None, dtype=pl.String)
    for text, rejects in reversed(list(rules.items())):
        reason = pl.when(rejects.fill_null(False)).then(pl.lit(text)).otherwise(reason)
    tagged = frame.with_columns(reason.alias(REASON_COLUMN))
    return Quarantined(
        kept=tagged.filter(pl.col(REASON_COLUMN).is_null()).drop(REASON_COLUMN),
        rejected=tagged.filter(pl.col(REASON_COLUMN).is_not_null()),
    )


def compare_schemas(
    old: Mapping[str, pl.DataType], new: Mapping[str, pl.DataType]
) -> tuple[list[str], list[str], list[tuple[str, pl.DataType, pl.DataType]]]:
    """Columns only in `new`, only in `old`, and in both with another type (old, new)."""
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    retyped = [
        (name, old[name], new[name]) for name in new if name in old and old[name] != new[name]
    ]
    return added, removed, retyped


def schema_violations(actual: pl.Schema, declared: Mapping[str, pl.DataType]) -> list[str]:
    """How `actual` breaks the declared schema: missing, unexpected and retyped columns."""
    unexpected, missing, retyped = compare_schemas(declared, actual)
    return [
        *(f"missing column {name}" for name in missing),
        *(f"unexpected column {name}" for name in unexpected),
        *(f"column {name} is {now}, declared {then}" for name, then, now in retyped),
    ]


def schema_drift(before: pl.Schema | None, after: pl.Schema) -> list[str]:
    """Columns added, removed or retyped since the previous version (none for a new table)."""
    if before is None:
        return []
    added, removed, retyped = compare_schemas(before, after)
    return [
        *(f"added {name} ({after[name]})" for name in added),
        *(f"removed {name}" for name in removed),
        *(f"retyped {name}: {then} -> {now}" for name, then, now in retyped),
    ]
