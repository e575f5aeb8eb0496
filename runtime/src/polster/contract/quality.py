"""Data quality, declared next to the logic: checks, quarantined rows and schema contracts.

A core module may declare, beside its compute function:

    CHECKS = [not_null("order_id"), unique("order_id"), in_range("quantity", low=1)]
    SCHEMA = {"order_id": pl.String, "quantity": pl.Int64}

Dagster turns every check into an asset check (blocking on silver and gold: a failure
stops everything downstream), and a frame that breaks SCHEMA is refused before it is
written (polster.contract.declaration.compute_output). A silver function can also return
`quarantine(frame, rules)`: the rows a rule rejects go to a companion table with the
reason, instead of disappearing.
Everything here is pure Polars: no Dagster, no I/O.

Checks and rules stream: a table larger than memory is checked without being held. The
exceptions are the rules that compare rows with each other. `unique` and `repeated`
find repeated keys in two passes: the first keeps a 64-bit hash per row (8 bytes a row,
whatever the key), and the second looks only at the rows whose hash came up twice.
An expression such as `is_first_distinct()` in a rule also works, but Polars then
holds the whole frame in memory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from polster.contract.errors import PolsterError
from polster.contract.layers import REJECTED_SUFFIX

REASON_COLUMN = "rejected_reason"
SAMPLE_ROWS = 5
ROWS_COLUMN = "rows"  # in duplicated_keys(): how many rows hold each repeated key


class CheckError(PolsterError, ValueError):
    """A check built wrongly (in CHECKS, or a quarantine rule): the call says how to fix it."""


def needs_columns(builder: str, columns: Sequence[str]) -> None:
    if not columns:
        msg = f'{builder}() needs at least one column, as in {builder}("order_id")'
        raise CheckError(msg)


@dataclass(frozen=True)
class Check:
    """A rule every row (or the table) must satisfy; `failing` marks the rows that break it.

    `blocking=None` takes the layer's default: blocking on silver and gold, a warning on
    bronze. A table-level check (`min_rows`) has no `failing` expression. A uniqueness
    check names its `key`: evaluate() counts it without holding the table (see above).
    """

    name: str
    description: str
    failing: pl.Expr | None = None
    min_rows: int = 0
    blocking: bool | None = None
    key: tuple[str, ...] = ()

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


def derived_name(*parts: str) -> str:
    """A check name from column names, as Dagster accepts them (letters, digits and _):
    `prix.unité` gives `prix_unite`; accents are dropped, any other character is _."""
    ascii_parts = (
        unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode() for part in parts
    )
    name = re.sub(r"[^A-Za-z0-9_]+", "_", "_".join(ascii_parts)).strip("_")
    return re.sub(r"__+", "_", name) or "check"


# The vocabulary. Every check takes `name=` (default: derived from its columns, unique
# per asset) and `blocking=` (default: blocking on silver and gold, a warning on bronze).


def not_null(*columns: str, name: str | None = None, blocking: bool | None = None) -> Check:
    """Every listed column has a value in every row."""
    needs_columns("not_null", columns)
    failing = pl.any_horizontal(pl.col(column).is_null() for column in columns)
    description = f"{', '.join(columns)} must not be null"
    return Check(
        name or derived_name(*columns, "not_null"), description, failing, blocking=blocking
    )


def unique(*columns: str, name: str | None = None, blocking: bool | None = None) -> Check:
    """No two rows share the same values in the listed columns."""
    needs_columns("unique", columns)
    failing = pl.struct(columns).is_duplicated()
    description = f"{', '.join(columns)} must be unique"
    check_name = name or derived_name(*columns, "unique")
    return Check(check_name, description, failing, blocking=blocking, key=columns)


def accepted_values(
    column: str, values: Sequence[object], name: str | None = None, blocking: bool | None = None
) -> Check:
    """The column holds only the listed values (nulls are left to `not_null`)."""
    failing = pl.col(column).is_not_null() & ~pl.col(column).is_in(list(values))
    description = f"{column} must be one of {', '.join(map(str, values))}"
    return Check(
        name or derived_name(column, "accepted_values"), description, failing, blocking=blocking
    )


def in_range(
    column: str,
    low: float | None = None,
    high: float | None = None,
    name: str | None = None,
    blocking: bool | None = None,
) -> Check:
    """The column's values lie between `low` and `high` (both included; either may be open)."""
    if low is None and high is None:
        msg = f"in_range({column!r}) needs low=, high= or both, as in in_range({column!r}, low=0)"
        raise CheckError(msg)
    value = pl.col(column)
    failing = pl.lit(False)
    if low is not None:
        failing = failing | (value < low)
    if high is not None:
        failing = failing | (value > high)
    bounds = f"{'-inf' if low is None else low}..{'inf' if high is None else high}"
    description = f"{column} must be in {bounds}"
    return Check(name or derived_name(column, "in_range"), description, failing, blocking=blocking)


def min_rows(count: int, name: str | None = None, blocking: bool | None = None) -> Check:
    """The table has at least `count` rows."""
    description = f"at least {count} rows"
    return Check(name or f"at_least_{count}_rows", description, min_rows=count, blocking=blocking)


def expect(name: str, condition: pl.Expr, blocking: bool | None = None) -> Check:
    """A custom rule: `condition` is true for every valid row (`name` says what it means)."""
    failing = ~condition.fill_null(False)
    return Check(name, name.replace("_", " "), failing, blocking=blocking)


def evaluate(frame: pl.LazyFrame, checks: Sequence[Check]) -> list[CheckOutcome]:
    """Run every check over `frame`; fetch sample rows only for failures.

    The row checks share one streaming pass; each uniqueness check takes its own two
    (duplicated_keys).
    """
    if not checks:
        return []
    row_checks = {
        index: check
        for index, check in enumerate(checks)
        if check.failing is not None and not check.key
    }
    counts = frame.select(
        pl.len().alias("__rows"),
        *(check.failing.sum().alias(f"__check_{index}") for index, check in row_checks.items()),
    ).collect()
    total = counts["__rows"].item()
    outcomes = []
    for index, check in enumerate(checks):
        failing, sample = 0, pl.DataFrame()
        if check.key:
            repeated_keys = duplicated_keys(frame, check.key)
            failing = repeated_keys[ROWS_COLUMN].sum()
            if failing:
                keys = repeated_keys.lazy().drop(ROWS_COLUMN)
                holders = frame.join(keys, on=list(check.key), how="semi", nulls_equal=True)
                sample = holders.head(SAMPLE_ROWS).collect()
        elif index in row_checks:
            failing = counts[f"__check_{index}"].item()
            if failing:
                sample = frame.filter(check.failing).head(SAMPLE_ROWS).collect()
        outcomes.append(CheckOutcome(check, failing, total, sample))
    return outcomes


def duplicated_keys(frame: pl.LazyFrame, columns: Sequence[str]) -> pl.DataFrame:
    """The values of `columns` that more than one row holds, with how many rows hold each.

    Nulls count as a value, as in group_by. Memory stays near 16 bytes a row however
    wide the key (see repeated_hashes); only the candidate rows are grouped, by their
    real values, so two different keys whose hashes collide are never reported.
    """
    columns = list(columns)
    return (
        frame.select(columns)
        .filter(repeated_hashes(frame, columns))
        .group_by(columns)
        .agg(pl.len().alias(ROWS_COLUMN))
        .filter(pl.col(ROWS_COLUMN) > 1)
        .collect()
    )


def repeated_hashes(frame: pl.LazyFrame, columns: Sequence[str]) -> pl.Expr:
    """True on every row whose key's 64-bit hash another row shares: the candidates.

    One pass collects the hash of every row's key and sorts them to find those seen
    twice; a repeated key is always a candidate, a candidate is a repeated key unless
    its hash collides with another key's.
    """
    columns = list(columns)
    key_hash = (pl.col(columns[0]) if len(columns) == 1 else pl.struct(columns)).hash()
    hashes = frame.select(key_hash).collect().to_series().sort()
    # Sorted, a repeated hash equals the one before it (Polars alone: numpy would cost
    # every command that imports this module a quarter of a second).
    seen_twice = hashes.filter(hashes == hashes.shift(1)).unique()
    return key_hash.is_in(seen_twice.implode())


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


@dataclass(frozen=True)
class Repeated:
    """A quarantine rule: the rows whose `columns` repeat a row read before them."""

    columns: tuple[str, ...]


def repeated(*columns: str) -> Repeated:
    """Reject every row but the first of each value of `columns` (duplicates).

    Like `~pl.struct(columns).is_first_distinct()`, without holding the frame in memory:
    only the rows of repeated keys are (see duplicated_keys).
    """
    needs_columns("repeated", columns)
    return Repeated(columns)


def quarantine(frame: pl.LazyFrame, rules: Mapping[str, pl.Expr | Repeated]) -> Quarantined:
    """Split `frame` by `rules` ({reason: expression true for rows to reject}, or repeated()).

    A row is rejected for the first rule it breaks, in the order given; every other
    row is kept. Kept plus rejected is always every input row.
    """
    expressions, flags = {}, []
    for index, (text, rule) in enumerate(rules.items()):
        if isinstance(rule, Repeated):
            flags.append(f"__repeated_{index}")
            frame = flag_repeats(frame, rule.columns, flags[-1])
            rule = pl.col(flags[-1])
        expressions[text] = rule
    reason = pl.lit(None, dtype=pl.String)
    for text, rejects in reversed(list(expressions.items())):
        reason = pl.when(rejects.fill_null(False)).then(pl.lit(text)).otherwise(reason)
    tagged = frame.with_columns(reason.alias(REASON_COLUMN)).drop(flags)
    return Quarantined(
        kept=tagged.filter(pl.col(REASON_COLUMN).is_null()).drop(REASON_COLUMN),
        rejected=tagged.filter(pl.col(REASON_COLUMN).is_not_null()),
    )


def flag_repeats(frame: pl.LazyFrame, columns: Sequence[str], flag: str) -> pl.LazyFrame:
    """`frame` with a boolean column `flag`: true on every row but the first of its key.

    Only the candidate rows (repeated_hashes) are read here and held, and which of them
    comes first is decided once: the kept and the rejected table, each written by its own
    pass over `frame`, always agree. Every other row streams past with False.
    """
    candidates = repeated_hashes(frame, columns)
    held = (
        frame.filter(candidates)
        .with_columns((~pl.struct(columns).is_first_distinct()).alias(flag))
        .collect()
    )
    if held.is_empty():
        # False on every row, said over the key so that the plan (and the column lineage
        # read from it) shows which columns choose the rows; costs nothing measurable.
        never = pl.lit(False) & pl.struct(columns).is_null()
        return frame.with_columns(never.alias(flag))
    rest = frame.filter(~candidates).with_columns(pl.lit(False).alias(flag))
    return pl.concat([rest, held.lazy()])


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
