"""Run one core module on its own, without Dagster.

`python src/core/silver_example.py` reads the module's upstream tables, runs its
compute function and writes its table, through the same storage as Dagster.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from core.settings import SettingsError
from core.storage import Frame, StorageError, TableStore, WrittenTable, default_store
from polster.declaration import asset_key_of, upstream_keys_of


def run(compute: Callable[..., Frame], store: TableStore | None = None) -> WrittenTable:
    """Materialize the asset that `compute` declares and return what was written."""
    store = store or default_store()
    inputs = {key: store.read(key) for key in upstream_keys_of(compute)}
    return store.write(asset_key_of(compute), compute(**inputs))


def main(compute: Callable[..., Frame]) -> None:
    """Command-line entry point of a core module: run it, report one line, exit 1 on error."""
    try:
        written = run(compute)
    except (SettingsError, StorageError) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    print(
        f"{written.key}: wrote {written.row_count:,} rows to {written.uri} "
        f"(Delta version {written.version})"
    )
    if written.sample_uri:
        print(f"  local sample: {written.sample_uri}")
