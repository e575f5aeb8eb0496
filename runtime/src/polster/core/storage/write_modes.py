"""The checks and row selections of the write modes (merge keys and delete flags) and of
partitions, on the frames a write is given."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from polster.contract.declaration import WriteMode
from polster.contract.partitions import PARTITION_COLUMN
from polster.contract.quality import (
    duplicated_keys,
)
from polster.core.storage.outcomes import Frame, StorageError

SHOWN_KEYS = 5  # the repeated keys a message names


def check_merge_columns(key: str, frame: Frame, write_mode: WriteMode) -> None:
    """A merge key (and delete flag) must be columns of the frame: else one line, nothing
    written."""
    schema = frame.lazy().collect_schema()
    columns = schema.names()
    missing = [column for column in write_mode.merge_key if column not in columns]
    if missing:
        msg = (
            f"{key} cannot be merged: MERGE_KEY column(s) {', '.join(missing)} are not in the "
            f"frame it returned (its columns: {', '.join(columns)}). Fix MERGE_KEY or the "
            f"function in src/core/{key}.py; nothing was written"
        )
        raise StorageError(msg)
    flag = write_mode.merge_delete
    if flag is not None and schema.get(flag) != pl.Boolean:
        found = f"is {schema[flag]}" if flag in schema else "is not in the frame it returned"
        msg = (
            f"{key} cannot be merged: its MERGE_DELETE column {flag} {found}; it must be a "
            f"Boolean column (true deletes the row's key). Fix MERGE_DELETE or the function "
            f"in src/core/{key}.py; nothing was written"
        )
        raise StorageError(msg)


def in_partition(frame: Frame, partition: date | None) -> Frame:
    """`frame` with its partition in PARTITION_COLUMN (set, whatever the column held)."""
    if partition is None:
        return frame
    return frame.with_columns(pl.lit(partition, dtype=pl.Date).alias(PARTITION_COLUMN))


def without_deleted(frame: Frame, flag: str) -> Frame:
    """The rows a merge stores: those not flagged for deletion, without the flag."""
    return frame.filter(~pl.col(flag).fill_null(value=False)).drop(flag)


def check_merge_batch(key: str, batch: pl.LazyFrame, merge_key: Sequence[str]) -> None:
    """A merge needs each key once in the batch, and no null key: else one line naming them."""
    columns = list(merge_key)
    nulls = batch.filter(pl.any_horizontal(pl.col(columns).is_null())).select(pl.len())
    if nulls.collect().item():
        msg = (
            f"{key} cannot be merged: {nulls.collect().item():,} incoming row(s) have a null "
            f"MERGE_KEY ({', '.join(columns)}); nothing was written"
        )
        raise StorageError(msg)
    repeated = duplicated_keys(batch, columns).sort(columns)
    if repeated.height:
        shown = [
            "(" + ", ".join(map(str, row)) + ")" if len(columns) > 1 else str(row[0])
            for row in repeated.select(columns).head(SHOWN_KEYS).rows()
        ]
        extra = repeated.height - len(shown)
        more = f" and {extra:,} more" if extra else ""
        msg = (
            f"{key} cannot be merged: MERGE_KEY ({', '.join(columns)}) is not unique in the "
            f"incoming rows: {', '.join(shown)}{more} appear more than once. Make the key "
            f"unique in src/core/{key}.py (e.g. .unique({columns!r}, keep='last')); nothing "
            "was written"
        )
        raise StorageError(msg)
