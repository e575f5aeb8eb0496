"""The IO manager: Dagster reads and writes every asset through core.storage."""

from __future__ import annotations

import dagster as dg
import polars as pl

from core.quality import schema_drift
from core.storage import Output, TableStore, WrittenTable
from polster.medallion import layer_of

PREVIEW_ROWS = 5


class DeltaTableIOManager(dg.IOManager):
    """Stores each asset as a Delta table and records what was written as metadata."""

    def __init__(self, store: TableStore) -> None:
        self.store = store

    def handle_output(self, context: dg.OutputContext, obj: Output) -> None:
        key = context.asset_key.to_user_string()
        # Bronze takes whatever the source sends: report how its columns changed.
        before = self.store.schema(key) if layer_of(key) == "bronze" else None
        written = self.store.write(key, obj, run_id=context.run_id)
        if written.fallback_reason:
            context.log.warning(f"{key} went to local storage: {written.fallback_reason}")
        drift = schema_drift(before, written.schema)
        if drift:
            context.log.warning(f"{key} schema drift since the last version: {'; '.join(drift)}")
        # After a fallback, this read finds the local table the same way.
        preview = self.store.read(key, version=written.version).head(PREVIEW_ROWS).collect()
        context.add_output_metadata(table_metadata(written, preview, drift))

    def load_input(self, context: dg.InputContext) -> pl.LazyFrame:
        return self.store.read(context.asset_key.to_user_string())


def table_metadata(
    written: WrittenTable, preview: pl.DataFrame, drift: list[str] | None = None
) -> dict[str, dg.MetadataValue]:
    """What the Dagster UI shows for a materialization: size, columns, preview, location,
    rows rejected to the quarantine table and, for bronze, schema drift."""
    columns = [dg.TableColumn(name, str(dtype)) for name, dtype in written.schema.items()]
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(written.row_count),
        "dagster/column_schema": dg.MetadataValue.table_schema(dg.TableSchema(columns=columns)),
        "dagster/uri": dg.MetadataValue.text(written.uri),
        "delta_version": dg.MetadataValue.int(written.version),
        "preview": dg.MetadataValue.md(markdown_table(preview)),
    }
    if written.sample_uri:
        metadata["local_sample"] = dg.MetadataValue.text(written.sample_uri)
    if written.fallback_reason:
        metadata["storage_fallback"] = dg.MetadataValue.text(written.fallback_reason)
    if written.rejected is not None:
        metadata["rows_rejected"] = dg.MetadataValue.int(written.rejected.row_count)
        metadata["rejected_table"] = dg.MetadataValue.text(written.rejected.uri)
    if written.ingested is not None:
        # Which landed files this version added; earlier ones are listed by `polster ingested`.
        metadata["files_ingested"] = dg.MetadataValue.int(len(written.ingested))
        if written.ingested:
            names = "\n".join(f"- {file.path} ({file.size:,} bytes)" for file in written.ingested)
            metadata["ingested_files"] = dg.MetadataValue.md(names)
    if drift:
        metadata["schema_drift"] = dg.MetadataValue.text("; ".join(drift))
    return metadata


def markdown_table(frame: pl.DataFrame) -> str:
    """A small frame as a Markdown table."""
    with pl.Config(
        tbl_formatting="ASCII_MARKDOWN",
        tbl_hide_column_data_types=True,
        tbl_hide_dataframe_shape=True,
        tbl_rows=-1,
        tbl_cols=-1,
        fmt_str_lengths=40,
    ):
        return str(frame)
