"""The only code that reads or writes tables: one Delta Lake table per asset.

A table lives at `<root>/<layer>/<name>`. Every write is one atomic Delta commit
that keeps earlier versions (time travel) and records which run wrote it; every
read is lazy, so Polars pushes projections and filters down to the files.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl
from deltalake import CommitProperties, DeltaTable

from core.settings import Settings, get_settings
from polster.medallion import split_key

Frame = pl.DataFrame | pl.LazyFrame


class StorageError(RuntimeError):
    """A table cannot be read or written; the message says what to do."""


@dataclass(frozen=True)
class WrittenTable:
    """What one write produced: where, which Delta version, how many rows, which columns."""

    key: str
    uri: str
    version: int
    row_count: int
    schema: pl.Schema


@dataclass(frozen=True)
class TableStore:
    """Delta tables under one root folder (a local path or an abfss:// URI)."""

    root: str
    storage_options: Mapping[str, str] | None = field(default=None, repr=False)

    def uri(self, key: str) -> str:
        layer, name = split_key(key)
        return f"{self.root.rstrip('/')}/{layer}/{name}"

    def exists(self, key: str) -> bool:
        return DeltaTable.is_deltatable(self.uri(key), storage_options=self._options)

    def read(self, key: str, version: int | None = None) -> pl.LazyFrame:
        """The table of `key` (its latest version unless one is given), lazily."""
        if not self.exists(key):
            msg = (
                f"{key} has no table at {self.uri(key)} yet: materialize it first "
                f"(python run_polster.py --asset {key}, or python src/core/{key}.py)"
            )
            raise StorageError(msg)
        return pl.scan_delta(self.uri(key), version=version, storage_options=self._options)

    def write(self, key: str, frame: Frame, run_id: str | None = None) -> WrittenTable:
        """Replace the table of `key` with `frame` in one commit, keeping older versions."""
        uri = self.uri(key)
        commit = CommitProperties(custom_metadata=_commit_metadata(key, run_id))
        frame.lazy().sink_delta(
            uri,
            mode="overwrite",
            storage_options=self._options,
            # A changed schema replaces the old one; older versions keep theirs.
            delta_write_options={"schema_mode": "overwrite", "commit_properties": commit},
        )
        version = DeltaTable(uri, storage_options=self._options).version()
        written = pl.scan_delta(uri, version=version, storage_options=self._options)
        return WrittenTable(
            key=key,
            uri=uri,
            version=version,
            row_count=written.select(pl.len()).collect().item(),
            schema=written.collect_schema(),
        )

    def delete(self, key: str) -> bool:
        """Delete the table of `key` with all its versions; False when there was none."""
        if not self.exists(key):
            return False
        if self.storage_options is not None:
            msg = f"deleting {self.uri(key)} is only supported for local tables: delete it in Azure"
            raise StorageError(msg)
        shutil.rmtree(self.uri(key))
        return True

    def history(self, key: str) -> list[dict[str, object]]:
        """The table's commits, newest first, with the run that wrote each."""
        return DeltaTable(self.uri(key), storage_options=self._options).history()

    @property
    def _options(self) -> dict[str, str] | None:
        return dict(self.storage_options) if self.storage_options else None


def _commit_metadata(key: str, run_id: str | None) -> dict[str, str]:
    if run_id:
        return {"polster_asset": key, "dagster_run_id": run_id}
    return {"polster_asset": key, "polster_run": "standalone"}


def store_from_settings(settings: Settings) -> TableStore:
    """The table store the settings describe."""
    if settings.storage_backend == "local":
        return TableStore(root=str(settings.data_dir))
    return _adls_store(settings)


def _adls_store(settings: Settings) -> TableStore:
    missing = [
        name
        for name, value in (
            ("ADLS_ACCOUNT_NAME", settings.adls_account_name),
            ("ADLS_CONTAINER", settings.adls_container),
        )
        if not value
    ]
    if missing:
        msg = f"STORAGE_BACKEND=adls needs {' and '.join(missing)}: set them in .env"
        raise StorageError(msg)
    account, container = settings.adls_account_name, settings.adls_container
    root = f"abfss://{container}@{account}.dfs.core.windows.net/{settings.adls_base_path}"
    options = {"account_name": account}
    if settings.adls_account_key:
        options["account_key"] = settings.adls_account_key
    elif settings.adls_sas_token:
        options["sas_token"] = settings.adls_sas_token
    return TableStore(root=root.rstrip("/"), storage_options=options)


def default_store() -> TableStore:
    """The project's table store, from `.env` and the environment."""
    return store_from_settings(get_settings())
