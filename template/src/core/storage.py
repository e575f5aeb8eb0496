"""The only code that reads or writes tables: one Delta Lake table per asset.

A table lives at `<root>/<layer>/<name>`. Every write is one atomic Delta commit
that keeps earlier versions (time travel) and records which run wrote it; every
read is lazy, so Polars pushes projections and filters down to the files.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any
from urllib.parse import unquote

import polars as pl
from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import DeltaError, TableNotFoundError

from core import adls
from core.landing import Landing, files_metadata, ingested_files, source_columns
from core.quality import Quarantined, rejected_key
from core.settings import Settings, get_settings
from core.sources.files import LandedFile
from polster.medallion import split_key

Frame = pl.DataFrame | pl.LazyFrame
Output = Frame | Quarantined | Landing  # what a compute function may return
log = logging.getLogger("polster.storage")


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
    sample_uri: str | None = None  # the local sample written beside an ADLS table
    fallback_reason: str | None = None  # why the table went to local storage instead
    rejected: WrittenTable | None = None  # the quarantined rows, for a Quarantined output
    ingested: tuple[LandedFile, ...] | None = None  # the files appended, for a Landing output


class LocalDeltaTable(DeltaTable):
    """A Delta table on a local disk, whose data files Polars can open whatever the path.

    delta-rs percent-encodes the file paths it lists (`my shop` becomes `my%20shop`), and
    Polars' scan_delta opens those paths as they are: under a folder with a space, every
    read failed. Local paths are plain paths, so they are decoded here.
    """

    def file_uris(self, partition_filters: Any = None) -> list[str]:
        return [unquote(uri) for uri in super().file_uris(partition_filters)]


@dataclass(frozen=True)
class RemoteAccess:
    """Credentials and client options for ADLS, built only when first needed."""

    settings: Settings = field(repr=False)

    @cached_property
    def delta_options(self) -> dict[str, str]:
        return adls.delta_options(self.settings)

    @cached_property
    def polars_options(self) -> dict[str, Any]:
        return adls.polars_options(self.settings)

    def filesystem(self) -> Any:
        from adlfs import AzureBlobFileSystem  # only to delete tables

        return AzureBlobFileSystem(**adls.adlfs_options(self.settings))

    def explain(self, error: Exception) -> str:
        """An error's message on one line, its last cause first, every secret blanked out."""
        lines = [re.sub(r"\x1b\[[0-9;]*m|↳", "", line).strip() for line in str(error).splitlines()]
        text = "; ".join(reversed([line for line in lines if line])) or type(error).__name__
        for secret in adls.secrets_of(self.settings):
            text = text.replace(secret, "***")
        return text[:300]

    def hint(self) -> str:
        return (
            "check ADLS_ACCOUNT_NAME, ADLS_CONTAINER, ADLS_ENDPOINT, the network and "
            f"{adls.credential_name(self.settings)}, or set ADLS_FALLBACK_TO_LOCAL=true "
            "to write locally instead"
        )


@dataclass(frozen=True)
class TableStore:
    """Delta tables under one root folder: a local path, or an abfss:// URI with `remote`.

    A remote store can also keep a local `sample` of each table it writes (dual write)
    and write to a local `fallback` store when the remote one fails.
    """

    root: str
    remote: RemoteAccess | None = None
    sample: TableStore | None = None
    sample_size: int = 50
    fallback: TableStore | None = None

    def uri(self, key: str) -> str:
        layer, name = split_key(key)
        return f"{self.root.rstrip('/')}/{layer}/{name}"

    def exists(self, key: str) -> bool:
        return self._call(
            f"reach {key}", lambda: DeltaTable.is_deltatable(self.uri(key), self._delta_options)
        )

    def read(self, key: str, version: int | None = None) -> pl.LazyFrame:
        """The table of `key` (its latest version unless one is given), lazily."""
        try:
            table = self._table(key, version)
        except StorageError:
            if self.fallback is not None and self.fallback.exists(key):
                log.warning("ADLS unreachable: reading %s from %s", key, self.fallback.uri(key))
                return self.fallback.read(key, version)
            raise
        return pl.scan_delta(table, storage_options=self._polars_options)

    def write(self, key: str, frame: Output, run_id: str | None = None) -> WrittenTable:
        """Replace the table of `key` with `frame` in one commit, keeping older versions.

        For a Quarantined output, the rejected rows are written first, to the
        `<key>__rejected` table, so that no row is ever dropped without a trace.
        """
        if isinstance(frame, Quarantined):
            rejected = self.write(rejected_key(key), frame.rejected, run_id)
            return replace(self.write(key, frame.kept, run_id), rejected=rejected)
        # Files from a landing folder are appended; any other frame replaces the table.
        write = self._write_landing if isinstance(frame, Landing) else self._write
        try:
            written = self._call(f"write {key}", lambda: write(key, frame, run_id))
        except StorageError as error:
            if self.fallback is None:
                raise
            log.warning("ADLS_FALLBACK_TO_LOCAL: %s; writing it locally instead", error)
            written = self.fallback.write(key, frame, run_id)
            return replace(written, fallback_reason=str(error))
        if self.sample is not None and written.ingested != ():  # (): no new files, no new version
            head = self.read(key, version=written.version).head(self.sample_size)
            written = replace(written, sample_uri=self.sample.write(key, head, run_id).uri)
        return written

    def delete(self, key: str) -> bool:
        """Delete the table of `key` with all its versions; False when there was none."""
        if not self.exists(key):
            return False
        if self.remote is None:
            shutil.rmtree(self.uri(key))
        else:
            path = self.uri(key).removeprefix("abfss://").replace("@", "/", 1)
            container, _, rest = path.partition("/")
            blob_path = f"{container}/{rest.partition('/')[2]}"
            filesystem = self.remote.filesystem()
            self._call(f"delete {key}", lambda: filesystem.rm(blob_path, recursive=True))
        return True

    def history(self, key: str, limit: int | None = None) -> list[dict[str, Any]]:
        """The table's commits, newest first, with the run that wrote each."""
        return self._call(f"read the history of {key}", lambda: self._table(key).history(limit))

    def schema(self, key: str) -> pl.Schema | None:
        """The columns of the table's latest version; None when there is no table yet."""
        try:
            return self.read(key).collect_schema()
        except StorageError:
            return None

    def restore(self, key: str, version: int) -> int:
        """Make `version` the table's content again, as a new version; returns that version."""
        table = self._table(key)
        newest = table.version()
        if newest == 0:
            msg = f"{key} has a single version (0): there is no older one to restore"
            raise StorageError(msg)
        if not 0 <= version < newest:
            older = f"one of 0 to {newest - 1}" if newest > 1 else "0"
            msg = f"{key} is at version {newest}: restore an older one ({older})"
            raise StorageError(msg)
        metadata = {"polster_asset": key, "polster_restored_version": str(version)}
        commit = CommitProperties(custom_metadata=metadata)
        self._call(f"restore {key}", lambda: table.restore(version, commit_properties=commit))
        return newest + 1

    def _table(self, key: str, version: int | None = None) -> DeltaTable:
        """The Delta table of `key` at `version` (default: the latest)."""
        uri = self.uri(key)
        try:
            return self._call(f"read {key}", lambda: self._open(uri, version))
        except TableNotFoundError:
            msg = (
                f"{key} has no table at {uri} yet: materialize it first "
                f"(python run_polster.py --asset {key}, or python src/core/{key}.py)"
            )
            raise StorageError(msg) from None
        except DeltaError:
            if version is None:
                raise
            newest = self._table(key).version()
            msg = f"{key} has no version {version}: its versions are 0 to {newest}"
            raise StorageError(msg) from None

    def _write_landing(self, key: str, landing: Landing, run_id: str | None) -> WrittenTable:
        """Append the files that landed since the latest version, in one commit.

        A changed file's earlier rows are replaced in the same commit: the write overwrites
        exactly the rows whose _source_file is one of this batch's files. With nothing new,
        no version is written.
        """
        exists = self.exists(key)
        table = self.read(key) if exists else None
        ingested = ingested_files(table) if table is not None else {}
        columns = source_columns(table.collect_schema()) if ingested else None
        files = landing.files()
        try:
            batch = landing.batch(ingested, columns, files)
            if not batch.files:  # nothing new: the latest version stays the latest
                return replace(self._written(key, self._table(key)), ingested=())
            predicate = {"predicate": batch.predicate} if ingested else {}
            written = self._write(key, batch.frame, run_id, batch.files, **predicate)
        except (pl.exceptions.PolarsError, DeltaError) as error:
            # A file that cannot be read: nothing was committed; name the file at fault.
            raise landing.explain(error, files) from None
        return replace(written, ingested=batch.files)

    def _write(
        self,
        key: str,
        frame: Frame,
        run_id: str | None,
        files: tuple[LandedFile, ...] | None = None,
        predicate: str | None = None,
    ) -> WrittenTable:
        uri = self.uri(key)
        commit = CommitProperties(custom_metadata=_commit_metadata(key, run_id, files))
        # A changed schema replaces the old one (older versions keep theirs); a predicate
        # write (landed files) replaces only the matching rows and keeps the schema.
        options = {"predicate": predicate} if predicate else {"schema_mode": "overwrite"}
        # Streamed batch by batch. Like every Delta (Parquet) write, it does not keep row
        # order: whoever needs an order sorts what they read.
        frame.lazy().sink_delta(
            uri,
            mode="overwrite",
            storage_options=self._delta_options,
            delta_write_options={**options, "commit_properties": commit},
        )
        return self._written(key, self._open(uri))

    def _written(self, key: str, table: DeltaTable) -> WrittenTable:
        """What the table's latest version holds."""
        uri = self.uri(key)
        written = pl.scan_delta(table, storage_options=self._polars_options)
        return WrittenTable(
            key=key,
            uri=uri,
            version=table.version(),
            row_count=written.select(pl.len()).collect().item(),
            schema=written.collect_schema(),
        )

    def _open(self, uri: str, version: int | None = None) -> DeltaTable:
        kind = DeltaTable if self.remote else LocalDeltaTable
        return kind(uri, version, self._delta_options)

    def _call(self, action: str, operation: Any) -> Any:
        """Run an operation on remote storage, turning I/O failures into one clear message."""
        if self.remote is None:
            return operation()
        try:
            return operation()
        except OSError as error:
            msg = (
                f"could not {action} at {self.root} ({self.remote.explain(error)}): "
                f"{self.remote.hint()}"
            )
            raise StorageError(msg) from None

    @property
    def _delta_options(self) -> dict[str, str] | None:
        return self.remote.delta_options if self.remote else None

    @property
    def _polars_options(self) -> dict[str, Any] | None:
        return self.remote.polars_options if self.remote else None


def _commit_metadata(
    key: str, run_id: str | None, files: tuple[LandedFile, ...] | None = None
) -> dict[str, str]:
    metadata = {"polster_asset": key}
    metadata.update({"dagster_run_id": run_id} if run_id else {"polster_run": "standalone"})
    if files is not None:
        # Which landed files this version added (path, size, modification time).
        metadata["polster_ingested_files"] = json.dumps(files_metadata(files))
    return metadata


def store_from_settings(settings: Settings) -> TableStore:
    """The table store the settings describe."""
    local = TableStore(root=str(settings.data_dir))
    if settings.storage_backend == "local":
        return local
    samples = TableStore(root=str(settings.data_dir / "adls_samples"))
    return TableStore(
        root=adls.table_root(settings),
        remote=RemoteAccess(settings),
        sample=None if settings.disable_local_sample else samples,
        sample_size=settings.dual_write_sample_size,
        fallback=local if settings.adls_fallback_to_local else None,
    )


def default_store() -> TableStore:
    """The project's table store, from `.env` and the environment."""
    return store_from_settings(get_settings())
