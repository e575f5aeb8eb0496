"""Write, then publish, one version of a Delta table: the files first, the commit last.

A frame is streamed into a Parquet file inside the table's folder (Polars' sink_parquet:
memory does not grow with the table), described (rows, schema, the statistics readers use
to skip files) and, once it passed its audit, committed to the Delta log in one commit.
Until that commit no reader sees the file; a refused or failed write deletes it.

Only storage.py calls this module: it decides what is written where, and when.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from arro3.core import Table
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake import Schema as DeltaSchema
from deltalake.transaction import AddAction, create_table_with_add_actions

# Columns Delta Lake cannot store faithfully: a Python object would be written as its
# memory address, a column without a type has no Delta type at all.
UNSTORABLE = {pl.Object: "Python objects", pl.Null: "no type (every value is null)"}
STRING_STATS_LENGTH = 32  # longer strings get no min/max: a truncated max would be wrong


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


def file_statistics(file: pl.LazyFrame, schema: pl.Schema) -> tuple[int, str]:
    """The row count and Delta's statistics JSON of one data file, in one pass over it."""
    stat_columns = [name for name, dtype in schema.items() if _has_min_max(dtype)]
    row = file.select(
        pl.len().alias("__rows"),
        *(pl.col(name).null_count().alias(f"__nulls_{name}") for name in schema),
        *(pl.col(name).min().alias(f"__min_{name}") for name in stat_columns),
        *(pl.col(name).max().alias(f"__max_{name}") for name in stat_columns),
    ).collect()
    values = row.row(0, named=True)
    minimum = _json_values({name: values[f"__min_{name}"] for name in stat_columns})
    maximum = _json_values({name: values[f"__max_{name}"] for name in stat_columns})
    stats = {
        "numRecords": values["__rows"],
        "minValues": minimum,
        "maxValues": maximum,
        "nullCount": {name: values[f"__nulls_{name}"] for name in schema},
    }
    return values["__rows"], json.dumps(stats)


def _has_min_max(dtype: pl.DataType) -> bool:
    return dtype.is_integer() or dtype.is_float() or dtype in (pl.Date, pl.String)


def _json_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Statistics values as the Delta log writes them; values it cannot describe left out."""
    described = {}
    for name, value in values.items():
        if value is None or (isinstance(value, float) and value != value):  # NaN
            continue
        if isinstance(value, str) and len(value) > STRING_STATS_LENGTH:
            continue
        described[name] = value.isoformat() if isinstance(value, date) else value
    return described


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
