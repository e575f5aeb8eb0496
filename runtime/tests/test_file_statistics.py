"""Delta statistics from the Parquet footer Polars wrote: the same as Polars computes from
the data, as delta-rs writes for the same rows (read back by delta-rs), and bounds of every
value where Delta keeps less than the value (milliseconds, 32-character strings)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable, write_deltalake
from polster.core import parquet_footer, publish

LONG = "ü" * 31 + "zz"  # past 32 characters, multi-byte
ROWS = 6


def table_of_types() -> pl.DataFrame:
    us = pl.Datetime("us")
    return pl.DataFrame(
        {
            "i8": pl.Series([1, -3, None, 7, 0, 2], dtype=pl.Int8),
            "i16": pl.Series([100, -300, None, 7, 0, 2], dtype=pl.Int16),
            "i32": pl.Series([1, None, -5, 9, 9, 2**31 - 1], dtype=pl.Int32),
            "i64": pl.Series([2**62, None, -(2**62), 0, 1, 2], dtype=pl.Int64),
            "u32": pl.Series([2**32 - 1, 0, 5, None, 1, 2], dtype=pl.UInt32),
            "f32": pl.Series([1.5, None, -2.25, 0.0, 3.0, 1.0], dtype=pl.Float32),
            "f64": [1.5, float("nan"), -2.0, None, 1e300, 0.0],
            "nan_only": [float("nan")] * ROWS,
            "b": [True, None, False, True, True, False],
            "s": ["b" * 40 + "z", "a", None, "é", "zz", LONG],
            "s_short": ["k", "a", None, "é", "zz", "m"],
            "cat": pl.Series(["x", "y", None, "x", "w", "y"], dtype=pl.Categorical),
            "d": [date(2020, 1, 1), date(1969, 5, 6), None, date(2024, 2, 29)] + [None] * 2,
            "ts": pl.Series(
                [datetime(2020, 1, 1, 0, 0, 0, 123456), datetime(2021, 1, 1, 0, 0, 0, 999999)]
                + [None, datetime(1960, 1, 1, 0, 0, 0, 1)] * 2,
                dtype=us,
            ),
            "ts_ms": pl.Series(
                [datetime(2020, 1, 1, 0, 0, 0, 123000), None] * 3, dtype=pl.Datetime("ms")
            ),
            "ts_ns": pl.Series(
                [datetime(2020, 1, 1, 0, 0, 0, 123456), None] * 3, dtype=pl.Datetime("ns")
            ),
            "tsz": pl.Series(
                [datetime(2020, 1, 1, 12, 0, 0, 500), None] * 3,
                dtype=pl.Datetime("us", "Europe/Amsterdam"),
            ),
            "dec": pl.Series(
                [Decimal("1.25"), Decimal("-3.50"), None, Decimal("0.01")] * 1 + [None] * 2,
                dtype=pl.Decimal(10, 2),
            ),
            "dec38": pl.Series(
                [Decimal("12345678901234567890.5"), None] * 3, dtype=pl.Decimal(38, 1)
            ),
            "bin": [b"ab", b"c", None, b"", b"z", b"y"],
            "st": [{"x": 1, "y": "q"}, None, {"x": 3, "y": None}] * 2,
            "l": [[1, 2], None, [], [3], [None], [4]],
            "all_null": pl.Series([None] * ROWS, dtype=pl.Int64),
        }
    )


def staged(frame: pl.DataFrame, path: Path, row_group_size: int | None = None) -> Path:
    """The file `_stage` would write for `frame` (its types made storable, then sunk)."""
    lazy = publish.storable(frame.lazy(), frame.schema)
    path.parent.mkdir(parents=True, exist_ok=True)
    lazy.sink_parquet(path, row_group_size=row_group_size)
    return path


def footer_stats(path: Path, schema: pl.Schema) -> dict:
    rows, stats = publish.file_statistics(str(path), path.stat().st_size, schema)
    parsed = json.loads(stats)
    assert parsed["numRecords"] == rows
    return parsed


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return table_of_types()


@pytest.fixture(scope="module", params=[None, 2], ids=["one row group", "row groups of 2"])
def stats(request, frame, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("footer") / "part.parquet"
    staged(frame, path, request.param)
    return footer_stats(path, publish.storable(frame.lazy(), frame.schema).collect_schema())


def test_statistics_are_those_polars_computes_from_the_data(frame, stats):
    assert stats["numRecords"] == ROWS
    nulls = stats["nullCount"]
    for name in frame.columns:
        if name in ("st", "l"):
            continue
        assert nulls[name] == frame[name].null_count(), name
    assert nulls["st"] == {"x": 2, "y": 4}  # a leaf is null where its struct is
    assert "l" not in nulls  # a list's leaf counts null elements, not null rows
    assert "l" not in stats["minValues"]
    low, high = stats["minValues"], stats["maxValues"]
    for name in ("i8", "i16", "i32", "i64", "u32", "f32", "b", "s_short"):
        assert (low[name], high[name]) == (frame[name].min(), frame[name].max()), name
    assert (low["f64"], high["f64"]) == (-2.0, 1e300)  # NaN is no bound
    assert (low["d"], high["d"]) == ("1969-05-06", "2024-02-29")
    assert (low["dec"], high["dec"]) == (-3.5, 1.25)
    assert (low["st"], high["st"]) == ({"x": 1, "y": "q"}, {"x": 3, "y": "q"})
    assert (low["cat"], high["cat"]) == ("w", "y")
    for name in ("nan_only", "bin", "all_null", "dec38", "l"):
        assert name not in low, name
        assert name not in high, name


def test_values_delta_keeps_coarser_still_bound_every_value(frame, stats):
    low, high = stats["minValues"], stats["maxValues"]
    # Milliseconds: the minimum rounded down, the maximum up (delta-rs cuts both down).
    assert (low["ts"], high["ts"]) == ("1960-01-01 00:00:00.000", "2021-01-01 00:00:01.000")
    assert (low["ts_ms"], high["ts_ms"]) == ("2020-01-01 00:00:00.123",) * 2
    assert (low["ts_ns"], high["ts_ns"]) == ("2020-01-01 00:00:00.123", "2020-01-01 00:00:00.124")
    assert (low["tsz"], high["tsz"]) == ("2020-01-01T12:00:00.000Z", "2020-01-01T12:00:00.001Z")
    # 32 characters: the minimum's prefix, the maximum's prefix raised above every value.
    assert low["s"] == "a"
    assert high["s"] == "ü" * 31 + "{"
    assert all(value <= high["s"] for value in frame["s"].drop_nulls())
    assert len(high["s"]) == publish.STRING_STATS_LENGTH


def test_delta_rs_reads_the_statistics_as_it_writes_them_for_the_same_rows(tmp_path, frame):
    """Both tables' add actions read through delta-rs: the same values, except where
    delta-rs keeps a bound that is wrong (a maximum timestamp cut down to milliseconds)."""
    # Types delta-rs writes no statistics for; Delta keeps time zones as UTC only.
    frame = frame.drop("cat", "dec38").with_columns(pl.col("tsz").dt.convert_time_zone("UTC"))
    ours_uri, theirs_uri = tmp_path / "ours", tmp_path / "theirs"
    file = staged(frame, ours_uri / "part-0.parquet")
    schema = publish.storable(frame.lazy(), frame.schema).collect_schema()
    rows, stats = publish.file_statistics(str(file), file.stat().st_size, schema)
    staged_file = publish.StagedFile(
        "part-0.parquet", str(file), file.stat().st_size, 0, rows, schema, stats
    )
    publish.commit(str(ours_uri), [staged_file], schema, {})
    write_deltalake(str(theirs_uri), publish.storable(frame.lazy(), frame.schema).collect())
    ours, theirs = (
        pl.DataFrame(DeltaTable(str(uri)).get_add_actions(flatten=True)).row(0, named=True)
        for uri in (ours_uri, theirs_uri)
    )
    assert ours["num_records"] == theirs["num_records"] == ROWS
    different = {key for key in theirs if ours.get(key) != theirs[key]}
    assert different == {
        "path",
        "size_bytes",
        "modification_time",
        "max.ts",  # theirs 2021-01-01 00:00:00.999, below the value's .999999
        "max.ts_ns",
        "max.tsz",
        "max.s",  # theirs uncut (41 characters), ours 32 characters
        "null_count.bin",  # delta-rs counts no nulls of binary columns
    }
    assert ours["max.ts"] == datetime(2021, 1, 1, 0, 0, 1)
    assert theirs["max.ts"] == datetime(2021, 1, 1, 0, 0, 0, 999000)
    assert ours["max.tsz"] - theirs["max.tsz"] == timedelta(milliseconds=1)
    assert ours["null_count.bin"] == 1


def test_a_footer_past_one_read_takes_two_and_never_the_whole_file(tmp_path):
    columns = {f"c{index}": pl.int_range(0, 20_000, eager=True) * index for index in range(12)}
    frame = pl.DataFrame(columns)
    path = staged(frame, tmp_path / "wide.parquet", row_group_size=200)
    size = path.stat().st_size
    ranges = []

    def read(start: int, end: int) -> bytes:
        ranges.append((start, end))
        with path.open("rb") as file:
            file.seek(start)
            return file.read(end - start)

    tail = parquet_footer.read_tail(str(path), size, read)
    assert len(tail) > parquet_footer.TAIL  # the case: a footer larger than the first read
    assert len(ranges) == 2
    assert sum(end - start for start, end in ranges) == len(tail) < size
    rows, stats = publish.footer_statistics(parquet_footer.parse(tail), frame.schema)
    parsed = json.loads(stats)
    assert rows == 20_000
    assert parsed["maxValues"]["c11"] == 19_999 * 11
    assert parsed["nullCount"]["c3"] == 0


def test_a_file_without_a_footer_is_named(tmp_path):
    path = tmp_path / "not.parquet"
    path.write_bytes(b"x" * 100)
    with pytest.raises(parquet_footer.FooterError, match=r"not\.parquet does not end with"):
        parquet_footer.read_tail(str(path), 100)
