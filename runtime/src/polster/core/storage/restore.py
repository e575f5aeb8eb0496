"""`restore`: an older version of a table made current again, as a new version, with the
rejected rows that go with it (kept and rejected rows are one unit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import DeltaError

from polster.contract.layers import REJECTED_SUFFIX
from polster.contract.quality import rejected_key
from polster.core.storage.commits import check_restorable, unit_at, unit_version
from polster.core.storage.outcomes import StorageError

if TYPE_CHECKING:
    from polster.core.storage.table_store import TableStore


def restore(store: TableStore, key: str, version: int) -> int:
    """Make `version` the table's content again, as a new version; returns that version.

    An asset with a `__rejected` table gets back the rejected rows that go with that
    version too, first, as one unit (the repair on read recognizes it); a version whose
    rejected rows cannot be found is not restored.
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
            unit = unit_at(table, version)
            match = unit_version(rejected, unit) if unit else None
            if match is None:
                msg = (
                    f"{key} version {version} has no record of the rejected rows that go "
                    f"with it ({rejected_key(key)}): restoring it alone would split them; "
                    f"restore a later version (see polster history {key}); nothing was "
                    "restored"
                )
                raise StorageError(msg)
            if unit_at(rejected, rejected.version()) != unit:
                restore_version(store, rejected_key(key), rejected, match, unit)
        restore_version(store, key, table, version, unit)
    return newest + 1


def restore_version(
    store: TableStore, key: str, table: DeltaTable, version: int, unit: str | None
) -> None:
    """Commit `version`'s content as the table's next version, recording the unit."""
    metadata = {
        "polster_asset": key,
        "polster_restored_version": str(version),
        "polster_env": store.environment,
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
