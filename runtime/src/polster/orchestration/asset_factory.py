"""The asset factory that turns a core compute function into a Dagster asset."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Iterator
from datetime import date

import dagster as dg

from polster.contract.declaration import (
    asset_key_of,
    checks_of,
    declared_columns,
    declared_lineage_of,
    partitioning_of,
    partitions_per_run_of,
    upstream_keys_of,
    write_mode_of,
)
from polster.contract.layers import split_key
from polster.contract.partitions import partition_span
from polster.contract.quality import CheckOutcome, schema_drift
from polster.core.materialize import materialize
from polster.core.storage import AuditError, Output, TableStore, WrittenTable
from polster.orchestration.checks import check_result, check_specs
from polster.orchestration.column_lineage import (
    Derived,
    derive_lineage,
    lineage_metadata,
)
from polster.orchestration.io_manager import table_metadata
from polster.orchestration.partitions import partitions_definition, partitions_metadata

TABLE_STORE = "table_store"  # the resource every medallion asset reads and writes through


def medallion_asset(compute: Callable[..., Output], **asset_kwargs: object) -> dg.AssetsDefinition:
    """A Dagster asset for the core function `compute`.

    Its key, layer (group) and upstream assets all come from the core module:
    the file name gives the key, the parameter names give the upstreams, the
    docstring gives the description shown in the UI and CHECKS its asset checks.
    Extra keyword arguments go to `dg.asset` unchanged (owners, tags...).

    The checks run on the rows about to be published, before they are: a failed
    blocking check fails the asset and leaves its previous version current.

    A partitioned asset (PARTITIONS) gets Dagster time-window partitions; a run of a range
    of them (a backfill) is one run that writes, audits and publishes each partition on its
    own, in order. With PARTITIONS_PER_RUN = N, Dagster's backfills (UI, daemon) split the
    range into runs of at most N partitions, launched side by side (a multi-run policy);
    a range run as one run (run_polster.py --partition-range) still works. A partition
    refused by its checks fails the run there: the partitions before it stay published
    (the failure says which), the ones after it are not written.
    """
    key = asset_key_of(compute)
    layer, _ = split_key(key)
    write_mode = write_mode_of(compute)  # a bad WRITE_MODE stops the definitions here
    partitioning = partitioning_of(compute)
    declared_lineage_of(compute)  # so does a LINEAGE Polster cannot read
    descriptions = declared_columns(inspect.getmodule(compute), key)  # and a bad COLUMNS
    per_run = partitions_per_run_of(compute)
    settings: dict[str, object] = {
        "name": key,
        "group_name": layer,
        "deps": upstream_keys_of(compute),
        "check_specs": check_specs(key, checks_of(compute)),
        "required_resource_keys": {TABLE_STORE},
        "description": inspect.getdoc(compute),
        "kinds": {"polars", "deltalake"},
        "metadata": {"polster/write_mode": write_mode.mode}
        | ({"polster/merge_key": ", ".join(write_mode.merge_key)} if write_mode.merge_key else {})
        | (partitions_metadata(partitioning) if partitioning else {}),
    }
    if partitioning is not None:
        settings["partitions_def"] = partitions_definition(partitioning)
        settings["backfill_policy"] = (
            dg.BackfillPolicy.single_run()
            if per_run is None
            else dg.BackfillPolicy.multi_run(max_partitions_per_run=per_run)
        )
    if layer != "bronze":
        # Silver and gold follow their upstreams: they run once all of them are updated
        # and none of their blocking checks failed.
        settings["automation_condition"] = (
            dg.AutomationCondition.eager()
            & dg.AutomationCondition.all_deps_blocking_checks_passed()
        )
    settings.update(asset_kwargs)

    @dg.asset(**settings)  # type: ignore[call-overload]
    def _asset(context) -> Iterator[object]:  # no annotation: Dagster checks its type
        store = getattr(context.resources, TABLE_STORE)
        lineage = derive_lineage(compute, store)  # once: no data read, before any write
        if lineage.problem:
            context.log.warning(f"{key}: column lineage unknown: {lineage.problem}")
        if partitioning is None:
            written, metadata = yield from write(context, store, lineage)
            yield dg.MaterializeResult(
                metadata=metadata,
                check_results=[check_result(key, layer, outcome) for outcome in written.outcomes],
            )
            return
        outcomes: dict[str, CheckOutcome] = {}  # per check: its first failure, else its last
        published: list[str] = []
        rows_written, rows_rejected = 0, 0  # over the partitions of the run
        for partition_key in context.partition_keys:
            partition = date.fromisoformat(partition_key)
            written, metadata = yield from write(context, store, lineage, partition, published)
            published.append(partition_key)
            rows_written += written.rows_written or 0
            rows_rejected += written.rejected.row_count if written.rejected else 0
            for outcome in written.outcomes:
                name = outcome.check.name
                if name not in outcomes or outcomes[name].passed:
                    outcomes[name] = outcome
        if len(published) > 1:  # one materialization for the range: the table after it
            span = partition_span(published[0], published[-1])
            metadata["partition"] = dg.MetadataValue.text(span)
            metadata["rows_written"] = dg.MetadataValue.int(rows_written)
            if "rows_rejected" in metadata:
                metadata["rows_rejected"] = dg.MetadataValue.int(rows_rejected)
        yield dg.MaterializeResult(
            metadata=metadata,
            check_results=[check_result(key, layer, outcome) for outcome in outcomes.values()],
        )

    def write(
        context: dg.AssetExecutionContext,
        store: TableStore,
        lineage: Derived,
        partition: date | None = None,
        published: list[str] | None = None,
    ) -> Generator[object, None, tuple[WrittenTable, dict[str, object]]]:
        """Materialize one partition (or the whole table); returns it and its metadata for
        the UI (its column lineage among them). A refused write yields its checks' results,
        then fails the asset (saying which partitions of the run were `published` before it)."""
        # Bronze takes whatever the source sends: report how its columns changed.
        before = store.schema(key) if layer == "bronze" else None
        try:
            written = materialize(compute, store, context.run.run_id, partition)
        except AuditError as failed:
            for outcome in failed.outcomes:  # shown in the UI, failed ones included
                yield check_result(key, layer, outcome)
            before = ""
            if published:
                span = partition_span(published[0], published[-1])
                before = f" (this run published {span} before it)"
            raise dg.Failure(description=f"{failed}{before}") from None
        for note in written.notes:
            context.log.warning(f"{key}: {note}")
        if written.fallback_reason:
            context.log.warning(f"{key} went to local storage: {written.fallback_reason}")
        drift = schema_drift(before, written.schema)
        if drift:
            context.log.warning(f"{key} schema drift since the last version: {'; '.join(drift)}")
        metadata = table_metadata(written, drift, store.environment)
        return written, metadata | lineage_metadata(lineage.lineage, written.schema, descriptions)

    return _asset
