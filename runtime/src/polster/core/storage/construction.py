"""The project's table store, as its settings describe it."""

from __future__ import annotations

from dataclasses import replace

from polster.core import adls
from polster.core.settings import Settings, get_settings
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
        environment=settings.environment,
    )


def default_store() -> TableStore:
    """The project's table store, from `.env` and the environment."""
    return store_from_settings(get_settings())
