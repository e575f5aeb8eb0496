"""The only code that reads or writes tables: one Delta Lake table per asset.

A table lives at `<root>/<layer>/<name>`. Every write is write -> audit -> publish: the
data files first, then the checks on exactly those rows, then one atomic Delta commit
that records which run wrote it; a refused write publishes nothing. Earlier versions are
kept (time travel). Every read is lazy, so Polars pushes projections and filters down to
the files.

The package's modules, one job each: `table_store` (the TableStore: reads, the write
pipeline, recovery, history and maintenance), `outcomes` (what a write produces and how
it is refused), `write_modes` (merge keys, delete flags, partitions), `commits` (what the
Delta log records), `schema_evolution` (how a write may change the table's columns),
`recovery` (the journal of writes in progress, and which files a killed one left),
`damage` (what is wrong with a local table delta-rs cannot read), `disk_errors` (a full
disk or a read-only folder in one line), `restore` (an older version made current again,
with its rejected rows), `remote` (ADLS
access), `construction` (the store settings describe, and `scan_table`/`read_table`, the
tables read through it).
"""

from polster.core.storage.commits import is_maintenance
from polster.core.storage.construction import (
    default_store,
    read_table,
    scan_table,
    store_from_settings,
)
from polster.core.storage.outcomes import (
    Audit,
    AuditError,
    Commit,
    Frame,
    Output,
    StorageError,
    WrittenTable,
)
from polster.core.storage.remote import LocalDeltaTable, RemoteAccess
from polster.core.storage.table_store import WRITE_STAGE_HOOKS, TableStore

__all__ = [
    "WRITE_STAGE_HOOKS",
    "Audit",
    "AuditError",
    "Commit",
    "Frame",
    "LocalDeltaTable",
    "Output",
    "RemoteAccess",
    "StorageError",
    "TableStore",
    "WrittenTable",
    "default_store",
    "is_maintenance",
    "read_table",
    "scan_table",
    "store_from_settings",
]
