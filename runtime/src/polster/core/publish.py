"""Write, then publish, one version of a Delta table: the files first, the commit last.

A frame is streamed into a Parquet file inside the table's folder (Polars' sink_parquet:
memory does not grow with the table), described (rows, schema, the statistics readers use
to skip files) and, once it passed its audit, committed to the Delta log in one commit.
Until that commit no reader sees the file; a refused or failed write deletes it.

Only storage.py calls this module: it decides what is written where, and when.
"""

from __future__ import annotations

import json
import struct
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from arro3.core import Table
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake import Schema as DeltaSchema
from deltalake.transaction import AddAction, create_table_with_add_actions

from polster.core import parquet_footer
from polster.core.parquet_footer import Footer

# Columns Delta Lake cannot store faithfully: a Python object would be written as its
# memory address, a column without a type has no Delta type at all.
UNSTORABLE = {pl.Object: "Python objects", pl.Null: "no type (every value is null)"}
STRING_STATS_LENGTH = 32  # Delta's prefix of a string minimum or maximum


@dataclass(frozen=True)
class StagedFile:
    """A data file written into the table's folder but not yet part of any version."""

    name: str  # relative to the table's folder, as the Delta log records it
    uri: str
    size: int
    modified_ms: int
    rows: int
    schema: pl.Schema
    stats: str  # Delta's per-file statistics, as JSON
    # A file of a Delta partition: the partition column's value (not stored in the file).
    partition_values: dict[str, str] = field(default_factory=dict)

    def add_action(self) -> AddAction:
        values = dict(self.partition_values)
        return AddAction(self.name, self.size, values, self.modified_ms, True, self.stats)


def new_write_id() -> str:
    return uuid.uuid4().hex


def unstorable_columns(schema: pl.Schema) -> list[str]:
    """`name (why)` for every column whose type Delta cannot store faithfully."""
    problems = []
    for name, dtype in schema.items():
        for kind, why in UNSTORABLE.items():
            if dtype == kind or (isinstance(dtype, pl.List | pl.Array) and dtype.inner == kind):
                problems.append(f"{name} ({why})")
    return problems


# Delta Lake has no unsigned integers and keeps timestamps in microseconds: such columns
# are widened (or made coarser) before they are written, as Delta would read them back.
SIGNED = {pl.UInt8: pl.Int16, pl.UInt16: pl.Int32, pl.UInt32: pl.Int64, pl.UInt64: pl.Int64}


def storable(frame: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    """`frame` with every column in a type Delta Lake stores as it is."""
    casts = {}
    for name, dtype in schema.items():
        if dtype in SIGNED:
            casts[name] = SIGNED[dtype]
        elif isinstance(dtype, pl.Datetime) and dtype.time_unit == "ns":
            casts[name] = pl.Datetime("us", dtype.time_zone)
    if not casts:
        return frame
    return frame.with_columns(pl.col(name).cast(dtype) for name, dtype in casts.items())


def data_file_name(write_id: str, part: int = 0, folder: str | None = None) -> str:
    """A data file's path inside the table's folder (in a partition's folder, if given)."""
    name = f"part-{part:05d}-{write_id}.parquet"
    return f"{folder}/{name}" if folder else name


def partition_folder(column: str, value: date) -> str:
    """The folder of a Delta partition, as Delta Lake names it: `column=value`."""
    return f"{column}={value.isoformat()}"


def file_statistics(
    uri: str, size: int, schema: pl.Schema, read: Callable[[int, int], bytes] | None = None
) -> tuple[int, str]:
    """The row count and Delta's statistics JSON of the data file at `uri` (of `size`
    bytes), from its Parquet footer: the file's last bytes only, through `read(start, end)`
    for a remote file."""
    footer = parquet_footer.parse(parquet_footer.read_tail(uri, size, read))
    return footer_statistics(footer, schema)


def footer_statistics(footer: Footer, schema: pl.Schema) -> tuple[int, str]:
    """The row count and Delta's statistics JSON of one data file, from its Parquet footer
    (the statistics Polars wrote with it: no data is read again).

    Values are written as delta-rs writes them, and only where they bound every value:
    timestamps in milliseconds (the minimum rounded down, the maximum up), strings cut to
    32 characters (a cut maximum raised so that it stays above every value). Lists and
    binary columns get no minimum or maximum, nor does any column whose statistics are
    missing in one of the file's row groups or hold NaN.
    """
    minimum: dict[str, Any] = {}
    maximum: dict[str, Any] = {}
    nulls: dict[str, Any] = {}
    for path, chunks in footer.chunks.items():
        dtype = _leaf_type(schema, path)
        if dtype is None:  # inside a list: no statistic describes the column's rows
            continue
        counts = [chunk.null_count for chunk in chunks]
        if None not in counts:
            _put(nulls, path, sum(counts))
        bounds = _bounds(dtype, chunks)
        if bounds is not None:
            _put(minimum, path, bounds[0])
            _put(maximum, path, bounds[1])
    stats = {
        "numRecords": footer.rows,
        "minValues": minimum,
        "maxValues": maximum,
        "nullCount": nulls,
    }
    return footer.rows, json.dumps(stats)


def _leaf_type(schema: pl.Schema, path: tuple[str, ...]) -> pl.DataType | None:
    """The type of the leaf column at `path` (through structs); None inside a list."""
    dtype: Any = schema.get(path[0])
    for name in path[1:]:
        if not isinstance(dtype, pl.Struct):
            return None
        dtype = next((field.dtype for field in dtype.fields if field.name == name), None)
    if dtype is None or isinstance(dtype, pl.List | pl.Array | pl.Struct):
        return None
    return dtype


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set `value` at `path`, struct fields as nested objects (as Delta's statistics)."""
    for name in path[:-1]:
        target = target.setdefault(name, {})
    target[path[-1]] = value


def _bounds(dtype: pl.DataType, chunks: list[parquet_footer.ChunkStatistics]) -> Any:
    """(min, max) of a leaf column as Delta's statistics JSON holds them, or None."""
    decode = _decoder(dtype)
    if decode is None:
        return None
    lows, highs = [], []
    for chunk in chunks:
        if chunk.min_value is None or chunk.max_value is None:
            if chunk.null_count != chunk.rows:  # values without statistics
                return None
            continue  # a row group where the column is all null
        lows.append(decode(chunk.min_value, chunk.physical_type))
        highs.append(decode(chunk.max_value, chunk.physical_type))
    if not lows or any(value is None for value in lows + highs):
        return None
    low, high = min(lows), max(highs)
    if isinstance(dtype, pl.Datetime):
        return _timestamp_bounds(low, high, dtype)
    if dtype.is_float():
        if low != low or high != high:  # NaN
            return None
        return low + 0.0, high + 0.0  # Parquet's -0.0 for a minimum of zero, as 0.0
    if dtype == pl.Date:
        return (EPOCH + timedelta(days=low)).isoformat(), (EPOCH + timedelta(days=high)).isoformat()
    if isinstance(dtype, pl.Decimal):
        return _decimal_bounds(low, high, dtype)
    if isinstance(low, bytes):
        return _string_bounds(low, high)
    return low, high


Decoder = Callable[[bytes, int], Any]


def _decoder(dtype: pl.DataType) -> Decoder | None:
    """How the footer encodes a minimum or maximum of `dtype`, as a comparable value."""
    if dtype == pl.Boolean:
        return lambda value, _: bool(value[0])
    if dtype.is_integer() or dtype == pl.Date or isinstance(dtype, pl.Datetime | pl.Decimal):
        return _integer
    if dtype == pl.Float32:
        return lambda value, _: struct.unpack("<f", value)[0]
    if dtype == pl.Float64:
        return lambda value, _: struct.unpack("<d", value)[0]
    if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
        return lambda value, _: value  # UTF-8: byte order is code point order
    return None  # binary, time, durations, ...: Delta keeps no minimum or maximum


def _integer(value: bytes, physical_type: int) -> int | None:
    if physical_type in (parquet_footer.INT32, parquet_footer.INT64):
        return int.from_bytes(value, "little", signed=True)
    if physical_type in (parquet_footer.BYTE_ARRAY, parquet_footer.FIXED_LEN_BYTE_ARRAY):
        return int.from_bytes(value, "big", signed=True)  # a decimal's unscaled value
    return None


EPOCH = date(1970, 1, 1)
EPOCH_TIME = datetime(1970, 1, 1)
PER_MILLISECOND = {"ms": 1, "us": 1_000, "ns": 1_000_000}


def _timestamp_bounds(low: int, high: int, dtype: pl.Datetime) -> tuple[str, str] | None:
    """Delta's statistics hold milliseconds: the minimum rounded down, the maximum up."""
    per = PER_MILLISECOND[dtype.time_unit or "us"]
    try:
        first = EPOCH_TIME + timedelta(milliseconds=low // per)
        last = EPOCH_TIME + timedelta(milliseconds=-(-high // per))
    except OverflowError:
        return None
    if dtype.time_zone is None:  # as delta-rs writes timestamp_ntz
        return first.isoformat(" ", "milliseconds"), last.isoformat(" ", "milliseconds")
    return (
        first.isoformat(timespec="milliseconds") + "Z",
        last.isoformat(timespec="milliseconds") + "Z",
    )


# Above 15 significant digits a JSON number (read as a double) no longer holds a decimal
# exactly: such columns get no minimum or maximum.
DECIMAL_DIGITS = 15


def _decimal_bounds(low: int, high: int, dtype: pl.Decimal) -> tuple[float, float] | None:
    if dtype.precision is None or dtype.precision > DECIMAL_DIGITS:
        return None
    scale = dtype.scale or 0
    return float(Decimal(low).scaleb(-scale)), float(Decimal(high).scaleb(-scale))


def _string_bounds(low: bytes, high: bytes) -> tuple[str, str] | None:
    """At most 32 characters, as Delta keeps: the minimum's prefix is below every value; a
    cut maximum gets its last character raised, so that it stays above every value."""
    try:
        first, last = low.decode(), high.decode()
    except UnicodeDecodeError:
        return None
    if len(last) > STRING_STATS_LENGTH:
        last = _above(last[:STRING_STATS_LENGTH])
        if last is None:
            return None
    return first[:STRING_STATS_LENGTH], last


def _above(prefix: str) -> str | None:
    """The shortest change of `prefix` that sorts after every string starting with it."""
    for end in range(len(prefix) - 1, -1, -1):
        code = ord(prefix[end]) + 1
        if code > 0x10FFFF:
            continue
        if 0xD800 <= code <= 0xDFFF:  # surrogates are no characters
            code = 0xE000
        return prefix[:end] + chr(code)
    return None


def delta_schema(schema: pl.Schema) -> DeltaSchema:
    """The Delta schema of a Polars schema (through Arrow, as Polars writes the files)."""
    return DeltaSchema.from_arrow(Table.from_arrow(pl.DataFrame(schema=schema)).schema)


def commit(
    uri: str,
    files: Sequence[StagedFile],
    schema: pl.Schema,
    metadata: Mapping[str, str],
    mode: str = "overwrite",
    table: DeltaTable | None = None,
    storage_options: dict[str, str] | None = None,
) -> None:
    """Make `files` the table's next version, in one Delta commit recording `metadata`.

    `mode` "overwrite" replaces the table's rows (and its schema), "append" adds to them,
    "partition" replaces the rows of the files' one partition and keeps the others (the
    table is partitioned by that column, which the files do not hold).
    Without a `table`, the table is created with these files as its first version.
    """
    actions = [file.add_action() for file in files]
    properties = CommitProperties(custom_metadata=dict(metadata))
    partition_by, filters = None, None
    if mode == "partition":
        ((column, value),) = files[0].partition_values.items()
        schema = pl.Schema({**schema, column: pl.Date})
        partition_by, filters, mode = [column], [(column, "=", value)], "overwrite"
    if table is None:
        create_table_with_add_actions(
            uri,
            delta_schema(schema),
            actions,
            mode="error",
            partition_by=partition_by,
            storage_options=storage_options,
            commit_properties=properties,
        )
        return
    table.create_write_transaction(
        actions,
        mode=mode,
        schema=delta_schema(schema),
        partition_by=partition_by,
        partition_filters=filters,
        commit_properties=properties,
    )


def append_with_columns(table: DeltaTable, file: pl.LazyFrame, metadata: Mapping[str, str]) -> None:
    """Append the rows of a staged `file` that has columns the table lacks, adding them to
    the table's schema in the same commit (the rows already there read null in them).

    A staged file cannot be committed with a schema change by an append, so delta-rs
    writes these rows again into a file of its own (the batch is read whole).
    """
    write_deltalake(
        table,
        file.collect(),
        mode="append",
        schema_mode="merge",
        commit_properties=CommitProperties(custom_metadata=dict(metadata)),
    )


def replace_rows(
    table: DeltaTable, file: pl.LazyFrame, predicate: str, metadata: Mapping[str, str]
) -> None:
    """Replace the rows of `table` that match `predicate` with those of a staged `file`, in
    one commit (delta-rs writes the rows into a file of its own; the batch is read whole)."""
    write_deltalake(
        table,
        file.collect(),
        mode="overwrite",
        predicate=predicate,
        commit_properties=CommitProperties(custom_metadata=dict(metadata)),
    )
