"""Column lineage and column schema on each materialization, as Dagster shows them.

The lineage comes from the asset's Polars plan (polster.core.lineage), derived once per
materialization from the schemas of its upstream tables (no data is read), before the
table is written: a LINEAGE declaration naming a column its upstream does not have fails
the asset with nothing written. Column descriptions come from the module's COLUMNS
(`COLUMNS = {"revenue": "Sum of completed orders' amounts"}`, read by
polster.contract.declaration.declared_columns), when it has one.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import dagster as dg
import polars as pl
from polars.exceptions import PanicException

from polster.contract.declaration import DeclarationError, upstream_keys_of
from polster.core.lineage import ColumnLineage, LineageWarning, lineage_of
from polster.core.storage import TableStore


@dataclass(frozen=True)
class Derived:
    """The lineage of one materialization, or why there is none."""

    lineage: ColumnLineage | None
    problem: str = ""  # why the lineage could not be derived, for a warning


def derive_lineage(compute: Callable[..., object], store: TableStore) -> Derived:
    """The column lineage of `compute` on the current schemas of its upstream tables.

    A wrong LINEAGE declaration raises (DeclarationError); anything else that stops the
    derivation is a `problem`, reported as a warning: lineage never fails a run.
    """
    try:
        schemas: dict[str, pl.Schema] = {}
        for upstream in upstream_keys_of(compute):
            schema = store.schema(upstream)
            if schema is None:
                return Derived(None, f"{upstream} has no table yet")
            schemas[upstream] = schema
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LineageWarning)  # its note is logged instead
            lineage = lineage_of(compute, schemas)
    except DeclarationError:
        raise
    except (Exception, PanicException) as error:  # storage, rowless frames: never the run
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return Derived(None, f"{type(error).__name__}: {first}")
    return Derived(lineage, lineage.note)


def lineage_metadata(
    lineage: ColumnLineage | None, schema: pl.Schema, descriptions: Mapping[str, str]
) -> dict[str, object]:
    """`dagster/column_schema` (types of the written table, with descriptions) and
    `dagster/column_lineage` (each column's upstream asset columns; a column whose lineage
    is unknown is left out, and named in `column_lineage_unknown`: one an opaque step
    makes, or one the plan does not have, the plan being read on rowless frames, where a
    column named after the data is not made)."""
    columns = [
        dg.TableColumn(name, str(dtype), description=descriptions.get(name))
        for name, dtype in schema.items()
    ]
    metadata: dict[str, object] = {
        "dagster/column_schema": dg.MetadataValue.table_schema(dg.TableSchema(columns=columns))
    }
    if lineage is None:
        return metadata
    planned = {*lineage.columns, *lineage.unknown} - set(lineage.declared)
    deps_by_column, unknown = {}, []
    for name in schema.names():
        if name in lineage.columns:
            deps = lineage.columns[name]
        elif lineage.from_source and not planned:
            deps = ()  # a source's column (its function is not called): no upstream asset
        else:
            unknown.append(name)
            continue
        deps_by_column[name] = [
            dg.TableColumnDep(asset_key=dg.AssetKey(asset), column_name=column)
            for asset, column in deps
        ]
    metadata["dagster/column_lineage"] = dg.MetadataValue.column_lineage(
        dg.TableColumnLineage(deps_by_column=deps_by_column)
    )
    if unknown:
        metadata["column_lineage_unknown"] = dg.MetadataValue.text(", ".join(unknown))
    return metadata
