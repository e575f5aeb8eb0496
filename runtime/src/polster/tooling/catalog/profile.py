"""A small profile of a table's current version, bounded for big tables.

Per column: nulls, distinct values, min and max, and for numeric columns a histogram of
HISTOGRAM_BINS equal-width bins. Two passes on Polars' streaming engine: one select of every
aggregate, then one group_by over the bins of the numeric columns.

The bounds: at most `max_rows` rows are profiled, the first ones of the table (a streaming
`head`, which stops reading the files once it has them), so a table's profile costs what
`max_rows` rows cost, whatever the table's size; the page then says "first N of M rows".
Columns past MAX_COLUMNS get their type only. collect.py also stops profiling further
tables once a time budget is spent (they say so).
"""

from __future__ import annotations

import datetime as dt
import math
import time

import polars as pl

from polster.tooling.catalog.model import ColumnProfile, Histogram, Profile

HISTOGRAM_BINS = 10
MAX_COLUMNS = 200
SHOWN_CHARACTERS = 40  # a string min or max longer than this is cut


def profile(frame: pl.LazyFrame, version: int, rows: int, max_rows: int) -> Profile:
    """Profile the first `max_rows` of the `rows` rows of `frame` (a table's version)."""
    started = time.monotonic()
    schema = frame.collect_schema()
    names = [name for name in schema.names()][:MAX_COLUMNS]
    sample = frame.select(names).head(max_rows) if rows > max_rows else frame.select(names)
    aggregates = [pl.len().alias("__rows")]
    for index, name in enumerate(names):
        column, dtype = pl.col(name), schema[name]
        aggregates.append(column.null_count().alias(f"n{index}"))
        if dtype.is_nested() or dtype == pl.Object:
            continue
        aggregates.append(column.n_unique().alias(f"d{index}"))
        if dtype.is_numeric() or dtype.is_temporal() or dtype in (pl.String, pl.Boolean):
            values = column.filter(column.is_finite()) if dtype.is_float() else column
            aggregates += [values.min().alias(f"lo{index}"), values.max().alias(f"hi{index}")]
    stats = sample.select(aggregates).collect(engine="streaming").row(0, named=True)
    histograms = numeric_histograms(sample, schema, names, stats)
    columns = {
        name: ColumnProfile(
            nulls=stats[f"n{index}"],
            distinct=stats.get(f"d{index}"),
            minimum=shown(stats.get(f"lo{index}")),
            maximum=shown(stats.get(f"hi{index}")),
            histogram=histograms.get(name),
        )
        for index, name in enumerate(names)
    }
    return Profile(
        version=version,
        rows=rows,
        profiled_rows=stats["__rows"],
        seconds=round(time.monotonic() - started, 3),
        columns=columns,
    )


def numeric_histograms(
    sample: pl.LazyFrame, schema: pl.Schema, names: list[str], stats: dict[str, object]
) -> dict[str, Histogram]:
    """The histogram of every numeric column with a range, in one streaming pass."""
    ranges = {}
    for index, name in enumerate(names):
        low, high = stats.get(f"lo{index}"), stats.get(f"hi{index}")
        if schema[name].is_numeric() and low is not None and high is not None:
            ranges[name] = (float(low), float(high))  # type: ignore[arg-type]
    if not ranges:
        return {}
    bins = []
    for index, (name, (low, high)) in enumerate(ranges.items()):
        width = (high - low) / HISTOGRAM_BINS or 1.0
        value = pl.col(name).cast(pl.Float64)
        position = ((value - low) / width).floor().clip(0, HISTOGRAM_BINS - 1).cast(pl.Int32)
        finite = value.is_finite() & value.is_not_null()
        bins.append(
            sample.select(pl.when(finite).then(position).alias("bin"))
            .drop_nulls()
            .group_by("bin")
            .len()
            .with_columns(pl.lit(index).alias("column"))
        )
    counts = pl.concat(bins).collect(engine="streaming")
    histograms = {}
    for index, (name, (low, high)) in enumerate(ranges.items()):
        found = dict(counts.filter(pl.col("column") == index).select("bin", "len").iter_rows())
        histograms[name] = Histogram(
            low, high, tuple(int(found.get(bin_, 0)) for bin_ in range(HISTOGRAM_BINS))
        )
    return histograms


def shown(value: object) -> str | None:
    """A min or max as the page shows it."""
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return str(value)
    text = str(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[: SHOWN_CHARACTERS - 1] + "…"
