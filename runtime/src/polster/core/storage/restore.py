"""`restore`: an older version of a table made current again, as a new version, with the
rejected rows that go with it (kept and rejected rows are one unit)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import DeltaError

from polster.contract.layers import REJECTED_SUFFIX
from polster.contract.quality import rejected_key
from polster.core.storage.commits import check_restorable, row_writes, unit_at, unit_versions
from polster.core.storage.outcomes import StorageError
from polster.core.storage.units import rows_by_partition, units_by_partition

if TYPE_CHECKING:
    from polster.core.storage.table_store import TableStore


def restore(store: TableStore, key: str, version: int) -> int:
    """Make `version` the table's content again, as a new version; returns that version.

    An asset with a `__rejected` table gets back the rejected rows that go with that
    version too, first, as one unit (the repair on read recognizes it), partition by
    partition where the table is written by partitions; a version whose rejected rows
    cannot be found is not restored.
    """
    if key.endswith(REJECTED_SUFFIX):
        msg = (
            f"{key} holds the rejected rows of {key.removesuffix(REJECTED_SUFFIX)}: restore "
            f"{key.removesuffix(REJECTED_SUFFIX)} instead, which restores both together"
        )
        raise StorageError(msg)
    with store._locked(key, action="restore"):
        table = store._table(key)
        newest = table.version()
        check_restorable(key, version, newest)
        rejected, unit = store._existing(rejected_key(key)), None
        if rejected is not None:
            # Each log read once: a long one takes a while.
            kept_writes, rejected_writes = row_writes(table, None), row_writes(rejected, None)
            unit = unit_at(kept_writes, version)
            units = units_by_partition(kept_writes, version)
            written = unit_versions(rejected_writes)
            versions = {part: written.get(u) if u else None for part, u in units.items()}
            if None in versions.values():
                msg = (
                    f"{key} version {version} has no record of the rejected rows that go "
                    f"with it ({rejected_key(key)}): restoring it alone would split them; "
                    f"restore a later version (see polster history {key}); nothing was "
                    "restored"
                )
                raise StorageError(msg)
            restore_rejected(
                store, rejected_key(key), rejected, rejected_writes, units, versions, unit
            )
        restore_version(store, key, table, version, unit)
    return newest + 1


def restore_rejected(
    store: TableStore,
    key: str,
    table: DeltaTable,
    writes: list[dict[str, Any]],
    units: dict[str | None, str | None],
    versions: dict[str | None, int],
    unit: str | None,
) -> None:
    """Make the rejected rows those of `units` (by partition, see units_by_partition),
    found at `versions` (`writes`: the table's commits that wrote rows): nothing to do
    when they are already; one older version of the table where it holds them all; else
    each partition's rows from its own version, in one commit (writers of different
    partitions interleave their two commits)."""
    if units_by_partition(writes, table.version()) == units:
        return
    newest = max(versions.values())
    if units_by_partition(writes, newest) == units:
        restore_version(store, key, table, newest, unit)
        return
    rows = rows_by_partition(versions, partial(store._rows_at, key)).collect()
    restored = ", ".join(f"{v} for {day or 'the rest'}" for day, v in versions.items())
    metadata = {**restore_metadata(store, key, restored), "polster_unit": str(unit)}
    properties = CommitProperties(custom_metadata=metadata)
    store._call(
        f"restore {key}",
        lambda: write_deltalake(
            table,
            rows,
            mode="overwrite",
            schema_mode="overwrite",
            partition_by=table.metadata().partition_columns,
            commit_properties=properties,
        ),
    )


def restore_metadata(store: TableStore, key: str, version: str) -> dict[str, str]:
    return {
        "polster_asset": key,
        "polster_restored_version": version,
        "polster_env": store.environment,
    }


def restore_version(
    store: TableStore, key: str, table: DeltaTable, version: int, unit: str | None
) -> None:
    """Commit `version`'s content as the table's next version, recording the unit."""
    metadata = {
        **restore_metadata(store, key, str(version)),
        **({"polster_unit": unit} if unit else {}),
    }
    commit = CommitProperties(custom_metadata=metadata)
    try:
        store._call(f"restore {key}", lambda: table.restore(version, commit_properties=commit))
    except DeltaError as error:
        if "missing file" not in str(error).lower():
            raise
        msg = (
            f"{key} version {version} can no longer be restored: polster vacuum deleted "
            "its files (it was replaced before the retention period); restore a newer "
            f"version (see polster history {key})"
        )
        raise StorageError(msg) from None
