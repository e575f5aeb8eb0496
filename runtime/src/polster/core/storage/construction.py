"""The project's table store, as its settings describe it, and its tables read through it
from a notebook or a script (`polster.scan_table`, `polster.read_table`)."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from polster.contract.layers import REJECTED_SUFFIX, split_key
from polster.contract.layout import CORE_DIR
from polster.core import adls
from polster.core.paths import project_root
from polster.core.settings import Settings, get_settings
from polster.core.storage.outcomes import StorageError
from polster.core.storage.remote import RemoteAccess
from polster.core.storage.table_store import TableStore


def store_from_settings(settings: Settings) -> TableStore:
    """The table store the settings describe."""
    local = TableStore(
        root=str(settings.data_dir),
        lock_timeout=settings.lock_timeout,
        environment=settings.environment,
    )
    if settings.storage_backend == "local":
        return local
    samples = replace(local, root=str(settings.data_dir / "adls_samples"))
    return TableStore(
        root=adls.table_root(settings),
        remote=RemoteAccess(settings),
        sample=None if settings.disable_local_sample else samples,
        sample_size=settings.dual_write_sample_size,
        fallback=local if settings.adls_fallback_to_local else None,
        lock_timeout=settings.lock_timeout,
        lease_seconds=settings.lock_lease_seconds,
        environment=settings.environment,
    )


def default_store() -> TableStore:
    """The project's table store, from `.env` and the environment."""
    return store_from_settings(get_settings())


def scan_table(asset: str, version: int | None = None) -> pl.LazyFrame:
    """The table of `asset` (an asset key, or `<key>__rejected` for its quarantined rows),
    at its latest version or at `version`, as a LazyFrame.

    The project, its environment (POLSTER_ENV) and its storage (local or ADLS, with its
    credentials) are found as a run finds them, from the working directory; folders whose
    names have a space work, where plain `pl.scan_delta` on a local path does not.
    """
    try:
        split_key(asset.removesuffix(REJECTED_SUFFIX))
    except ValueError:
        keys = sorted(path.stem for path in (project_root() / CORE_DIR).glob("*_*.py"))
        known = [key for key in keys if key.endswith(f"_{asset}")] or keys
        msg = (
            f"'{asset}' is not an asset key: name a table <layer>_<name> (or "
            f"<key>{REJECTED_SUFFIX}), e.g. {', '.join(known[:5]) or 'gold_<name>'}"
        )
        raise StorageError(msg) from None
    return default_store().read(asset, version)


def read_table(asset: str, version: int | None = None) -> pl.DataFrame:
    """`scan_table(asset, version)`, collected into a DataFrame."""
    return scan_table(asset, version).collect()
