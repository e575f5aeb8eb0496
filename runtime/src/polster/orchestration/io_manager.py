"""The IO manager: Dagster inputs and outputs of assets other than the medallion ones."""

from __future__ import annotations

import dagster as dg
import polars as pl

from polster.core.storage import Output, TableStore, WrittenTable


class DeltaTableIOManager(dg.IOManager):
    """Delta tables for assets written with Dagster's inputs and outputs (`ins=`, `return`).

    Medallion assets publish through polster.core.materialize themselves (audited before they
    are published); this IO manager serves any other asset of the defs folder, and
    loads medallion tables for assets that take them as inputs.
    """

    def __init__(self, store: TableStore) -> None:
        self.store = store

    def handle_output(self, context: dg.OutputContext, obj: Output) -> None:
        written = self.store.write(context.asset_key.to_user_string(), obj, run_id=context.run_id)
        context.add_output_metadata(table_metadata(written, environment=self.store.environment))

    def load_input(self, context: dg.InputContext) -> pl.LazyFrame:
        return self.store.read(context.asset_key.to_user_string())


def table_metadata(
    written: WrittenTable, drift: list[str] | None = None, environment: str | None = None
) -> dict[str, dg.MetadataValue]:
    """What the Dagster UI shows for a materialization: size, the rows this write wrote,
    columns, preview, location, the environment, rows rejected to the quarantine table
    and, for bronze, schema drift."""
    columns = [dg.TableColumn(name, str(dtype)) for name, dtype in written.schema.items()]
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(written.row_count),
        "rows_written": dg.MetadataValue.int(
            written.row_count if written.rows_written is None else written.rows_written
        ),
        "dagster/column_schema": dg.MetadataValue.table_schema(dg.TableSchema(columns=columns)),
        "dagster/uri": dg.MetadataValue.text(written.uri),
        "delta_version": dg.MetadataValue.int(written.version),
    }
    if environment:
        metadata["environment"] = dg.MetadataValue.text(environment)
    if written.partition is not None:
        metadata["partition"] = dg.MetadataValue.text(written.partition.isoformat())
    if written.preview is not None:
        metadata["preview"] = dg.MetadataValue.md(markdown_table(written.preview))
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
