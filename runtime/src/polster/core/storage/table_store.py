"""The table store: reads, the write pipeline (write -> audit -> publish, write modes,
partitions, landed files), recovery of interrupted writes, history and maintenance."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import polars as pl
from deltalake import CommitProperties, DeltaTable
from deltalake.exceptions import DeltaError, TableNotFoundError

from polster.contract.declaration import WriteMode
from polster.contract.errors import PolsterError
from polster.contract.layers import REJECTED_SUFFIX, split_key
from polster.contract.partitions import PARTITION_COLUMN
from polster.contract.quality import (
    Quarantined,
    rejected_key,
)
from polster.core import publish
from polster.core.landing import (
    SOURCE_FILE,
    Landing,
    files_metadata,
    ingested_files,
    source_columns,
)
from polster.core.locks import LocalLockArea, LockArea, lock_if_free, lock_name, table_lock
from polster.core.settings import ENVIRONMENTS
from polster.core.sources.files import LandedFile
from polster.core.storage.commits import (
    blob_path_of,
    commit_metadata,
    last_write,
    maintenance_metadata,
    version_written,
)
from polster.core.storage.conflicts import with_retries
from polster.core.storage.damage import damaged_commit, empty_last_commit, missing_files
from polster.core.storage.disk_errors import disk_problem
from polster.core.storage.lake_lock import LAKE_AREA, BlobLockArea, LakeUnreachableError
from polster.core.storage.outcomes import (
    Audit,
    AuditError,
    Commit,
    Frame,
    Output,
    StorageError,
    WrittenTable,
)
from polster.core.storage.recovery import (
    journals,
    referenced,
    remove_partial_files,
    write_journal,
)
from polster.core.storage.remote import LocalDeltaTable, RemoteAccess
from polster.core.storage.restore import restore
from polster.core.storage.schema_evolution import Evolution, evolve
from polster.core.storage.units import (
    Split,
    find_splits,
    repair_partition,
    rows_of_kept_units,
)
from polster.core.storage.write_modes import (
    check_merge_batch,
    check_merge_columns,
    in_partition,
    without_deleted,
)

log = logging.getLogger("polster.storage")
PREVIEW_ROWS = 5


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
    lock_timeout: float = 600.0
    # On ADLS: seconds after which the lock of a writer that died expires (see lake_lock).
    lease_seconds: int = 30
    # The environment (POLSTER_ENV) whose tables these are; every commit records it.
    environment: str = ENVIRONMENTS[0]

    def uri(self, key: str) -> str:
        layer, name = split_key(key)
        return f"{self.root.rstrip('/')}/{layer}/{name}"

    def exists(self, key: str) -> bool:
        return self._call(
            f"reach {key}", lambda: DeltaTable.is_deltatable(self.uri(key), self._delta_options)
        )

    def read(self, key: str, version: int | None = None) -> pl.LazyFrame:
        """The table of `key` (its latest version unless one is given), lazily."""
        writes: list[Split] = []  # splits of writes under way: read around them
        if key.endswith(REJECTED_SUFFIX) and version is None:
            writes = self._repair_if_idle(key.removesuffix(REJECTED_SUFFIX))
        try:
            table = self._table(key, version)
        except StorageError:
            if self.fallback is not None and self.fallback.exists(key):
                log.warning("ADLS unreachable: reading %s from %s", key, self.fallback.uri(key))
                return self.fallback.read(key, version)
            raise
        rows = pl.scan_delta(table, storage_options=self._polars_options)
        return rows_of_kept_units(rows, writes, partial(self._rows_at, key))

    def write(
        self,
        key: str,
        output: Output,
        run_id: str | None = None,
        audit: Audit | None = None,
        write_mode: WriteMode | None = None,
        partition: date | None = None,
    ) -> WrittenTable:
        """Publish `output` as the next version of the table of `key`: write, audit, commit.

        The data files are written first, then audited (`audit`: the module's CHECKS on
        exactly these rows; an empty bronze result), and only then committed, in one Delta
        commit that records the run. A blocking failure raises AuditError and publishes
        nothing: the previous version stays current and the files are deleted.

        For a Quarantined output, the rejected rows go to the `<key>__rejected` table,
        committed just before the kept rows; both commits carry the same write id, so that
        a crash between them is detected, and repaired, by the next write or read.
        One write of a table at a time: a second process waits for the first (a lock).

        `write_mode` (the module's WRITE_MODE): "overwrite" makes the rows the table;
        "append" adds them, in one commit; "merge" upserts them by MERGE_KEY with one Delta
        MERGE. Appended and merged tables are audited as the new version will be (the rows
        already there with the new ones); quarantined rows are then appended.

        A `partition` (a partitioned asset's window, by its first day) is stored in the
        PARTITION_COLUMN of every row. Overwritten, it replaces exactly that partition's rows
        in one commit (the table is Delta-partitioned by that column), and only its rows are
        audited; merged, its rows are upserted as any merge.
        """
        audit = audit or Audit()
        write_mode = write_mode or WriteMode()
        # A Delta partition's rows are replaced by themselves: only that partition is locked.
        # A MERGE reads (and may rewrite) the whole table.
        lock = partition if write_mode.mode != "merge" else None
        try:
            with self._locked(key, lock):
                written = self._call(
                    f"write {key}",
                    lambda: self._publish(key, output, run_id, audit, write_mode, partition, lock),
                )
        except StorageError as error:
            if self.fallback is None or isinstance(error, AuditError):
                raise
            log.warning("ADLS_FALLBACK_TO_LOCAL: %s; writing it locally instead", error)
            written = self.fallback.write(key, output, run_id, audit, write_mode, partition)
            return replace(written, fallback_reason=str(error))
        if self.sample is not None and written.ingested != ():  # (): nothing new was written
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
            filesystem = self.remote.filesystem()
            blob_path = blob_path_of(self.uri(key))
            self._call(f"delete {key}", lambda: filesystem.rm(blob_path, recursive=True))
        return True

    def history(self, key: str, limit: int | None = None) -> list[dict[str, Any]]:
        """The table's commits, newest first, with the run that wrote each."""
        table = self._table(key)
        try:
            return self._call(f"read the history of {key}", lambda: table.history(limit))
        except DeltaError:
            damage = damaged_commit(Path(self.uri(key))) if self.remote is None else None
            if damage:
                raise StorageError(damage) from None
            raise

    def missing_files(self, key: str, version: int | None = None) -> tuple[int, list[str]]:
        """The version read (the latest by default) and those of its data files that are
        gone from a local table's folder."""
        table = self._table(key, version)
        return table.version(), [] if self.remote else missing_files(table)

    def latest_commit(self, key: str) -> Commit | None:
        """The current version of `key`'s table, from its log; None when there is none."""

        def describe() -> Commit | None:
            table = self._existing(key)
            if table is None:
                return None
            last = last_write(table)
            counts = pl.DataFrame(table.get_add_actions(flatten=True))["num_records"]
            rows = int(counts.sum())
            if counts.null_count():  # a file committed without statistics: count its rows
                rows = (
                    pl.scan_delta(table, storage_options=self._polars_options)
                    .select(pl.len())
                    .collect()
                    .item()
                )
            return Commit(table.version(), last["timestamp"], last.get("dagster_run_id"), rows)

        return self._call(f"read the log of {key}", describe)

    def partitions(self, key: str) -> set[date]:
        """The partitions written into the table (from its Delta log)."""

        def found() -> set[date]:
            table = self._existing(key)
            if table is None:
                return set()
            if table.metadata().partition_columns == [PARTITION_COLUMN]:
                actions = pl.DataFrame(table.get_add_actions(flatten=True))
                if actions.is_empty():
                    return set()
                values = actions[f"partition.{PARTITION_COLUMN}"]
                return {value for value in values.cast(pl.Date).to_list() if value is not None}
            # A merged table: a row keeps only the partition that wrote it last, so the
            # partitions written are those its commits record.
            written = (commit.get("polster_partition") for commit in table.history())
            return {date.fromisoformat(value) for value in written if value}

        return self._call(f"read the partitions of {key}", found)

    def schema(self, key: str) -> pl.Schema | None:
        """The columns of the table's latest version; None when there is no table yet."""
        try:
            return self.read(key).collect_schema()
        except StorageError:
            return None

    def restore(self, key: str, version: int) -> int:
        """Make `version` the table's content again, as a new version; returns that version
        (with the rejected rows that go with it: see restore.py)."""
        return restore(self, key, version)

    def optimize(self, key: str, zorder: Sequence[str] = ()) -> tuple[int, int, int | None]:
        """Rewrite the table's data files into fewer, larger ones (Z-ordered by `zorder`).

        A new version with exactly the same rows; the old files stay for the older versions
        until a vacuum. Returns the file count before and after, and the new version (None
        when the table was compact already).
        """
        with self._locked(key, action="optimize"):
            table = self._table(key)
            self._check_writable(key, "optimize")  # delta-rs panics in a read-only folder
            before, version = len(table.file_uris()), table.version()
            commit = CommitProperties(
                custom_metadata=maintenance_metadata(key, "optimize", self.environment)
            )
            if zorder:
                self._call(
                    f"optimize {key}",
                    lambda: table.optimize.z_order(list(zorder), commit_properties=commit),
                )
            else:
                self._call(
                    f"optimize {key}", lambda: table.optimize.compact(commit_properties=commit)
                )
            after = self._table(key)
            new_version = after.version() if after.version() != version else None
            return before, len(after.file_uris()), new_version

    def vacuum(
        self,
        key: str,
        retention_hours: int,
        keep_versions: Sequence[int],
        enforce: bool = True,
        dry_run: bool = False,
    ) -> list[str]:
        """Delete the files that no version in `keep_versions` uses and that were removed
        (or never committed) more than `retention_hours` ago; returns them (`dry_run`: only
        lists them). `enforce`: refuse a retention shorter than the table's minimum."""
        with self._locked(
            key, action="vacuum"
        ):  # no write of this table is under way: no file is half-made
            table = self._table(key)
            metadata = maintenance_metadata(key, "vacuum", self.environment)
            partial = [] if dry_run else self._remove_partial_files(key)
            return partial + self._call(
                f"vacuum {key}",
                lambda: table.vacuum(
                    retention_hours=retention_hours,
                    dry_run=dry_run,
                    enforce_retention_duration=enforce,
                    full=True,  # also the files of killed writes, and those before a checkpoint
                    keep_versions=list(keep_versions),
                    commit_properties=CommitProperties(custom_metadata=metadata),
                ),
            )

    def properties(self, key: str) -> dict[str, str]:
        """The table's Delta configuration (delta.deletedFileRetentionDuration, ...)."""
        return dict(self._table(key).metadata().configuration)

    def _table(self, key: str, version: int | None = None) -> DeltaTable:
        """The Delta table of `key` at `version` (default: the latest)."""
        uri = self.uri(key)
        try:
            return self._call(f"read {key}", lambda: self._open(uri, version))
        except TableNotFoundError:
            base = key.removesuffix(REJECTED_SUFFIX)
            what = "it first" if base == key else f"{base} first, which writes it"
            msg = (
                f"{key} has no table at {uri} yet: materialize {what} "
                f"(python run_polster.py --asset {base}, or python src/core/{base}.py)"
            )
            raise StorageError(msg) from None
        except DeltaError:
            if version is None:
                raise
            newest = self._table(key).version()
            msg = f"{key} has no version {version}: its versions are 0 to {newest}"
            raise StorageError(msg) from None

    @contextmanager
    def _locked(
        self, key: str, partition: date | None = None, action: str = "write"
    ) -> Iterator[None]:
        """Hold the write lock of the table (of just one of its partitions), in the lake; a
        lake that cannot be reached is said as any storage failure of `action` is."""
        with ExitStack() as held:
            try:
                held.enter_context(table_lock(self._locks, key, self.lock_timeout, partition))
            except LakeUnreachableError as error:
                hint = f": {self.remote.hint()}" if self.remote else ""
                msg = f"could not {action} {key} at {self.root} ({error.reason}){hint}"
                raise StorageError(msg) from None
            yield

    @cached_property
    def _locks(self) -> LockArea:
        folder = f"{self.root.rstrip('/')}/{LAKE_AREA}/locks"
        if self.remote is None:
            return LocalLockArea(Path(folder))
        return BlobLockArea(self.remote, folder, self.lease_seconds)

    @cached_property
    def _journal(self) -> tuple[Any, str]:
        """The file system and folder of the lake's journal of writes under way."""
        folder = f"{self.root.rstrip('/')}/{LAKE_AREA}/pending"
        if self.remote is None:
            from fsspec.implementations.local import LocalFileSystem

            return LocalFileSystem(), folder
        return self.remote.filesystem(), blob_path_of(folder)

    def _publish(
        self,
        key: str,
        output: Output,
        run_id: str | None,
        audit: Audit,
        write_mode: WriteMode,
        partition: date | None,
        lock: date | None,
    ) -> WrittenTable:
        """Write -> audit -> publish, under the table's lock (of partition `lock` only, if
        given)."""
        notes = self._recover(key, lock)
        write_id = publish.new_write_id()
        parts: dict[str, Frame] = {key: output}
        if isinstance(output, Quarantined):
            parts = {key: output.kept, rejected_key(key): output.rejected}
        mode, current, landed = "overwrite", None, None
        if isinstance(output, Landing) and partition is not None:
            msg = (
                f"{key} reads a landing folder, which takes each new file once by itself: "
                f"drop PARTITIONS from src/core/{key}.py"
            )
            raise StorageError(msg)
        if isinstance(output, Landing):
            plan = self._landing_plan(key, output)
            if plan is None:  # nothing new landed: the latest version stays the latest
                latest = self._latest(key)
                return replace(latest, rows_written=0, ingested=(), notes=tuple(notes))
            parts[key], mode, current, landed = plan
        elif write_mode.mode != "overwrite":
            existing = self._existing(key)
            if existing is not None:
                mode = write_mode.mode
                current = pl.scan_delta(existing, storage_options=self._polars_options)
            if write_mode.mode == "merge":
                check_merge_columns(key, parts[key], write_mode)
                if current is None and write_mode.merge_delete:  # a first merge: nothing to delete
                    parts[key] = without_deleted(parts[key], write_mode.merge_delete)
        folder = None  # where in the table's folder the files go
        partition_values: dict[str, str] = {}  # the Delta partition the files belong to
        if partition is not None and write_mode.mode == "merge":  # the column is a column
            parts = {part: in_partition(frame, partition) for part, frame in parts.items()}
        elif partition is not None:  # a Delta partition: its rows are replaced
            mode, folder = "partition", publish.partition_folder(PARTITION_COLUMN, partition)
            partition_values = {PARTITION_COLUMN: partition.isoformat()}
            for part in parts:
                self._check_partitioned(part)
        names = {part: publish.data_file_name(write_id, folder=folder) for part in parts}
        # Quarantined rows of an append or a merge are appended.
        modes = {
            part: mode if part == key or mode in ("overwrite", "partition") else "append"
            for part in parts
        }
        # Rejected rows of a merged partition replace that partition's rejected rows: a
        # re-run of a day never appends them again.
        replaced = {
            part: partition is not None
            and write_mode.mode == "merge"
            and modes[part] == "append"
            and self._existing(part) is not None
            for part in parts
        }
        journal = self._call(
            f"write {key}",
            lambda: write_journal(
                *self._journal,
                write_id,
                lock_name(key, lock),
                {part: f"{self.uri(part)}/{names[part]}" for part in parts},
            ),
        )
        staged: dict[str, publish.StagedFile] = {}
        versions: dict[str, int] = {}
        try:
            crash_point(key, "before-files")
            for part, frame in parts.items():
                staged[part] = self._stage_source(
                    part, frame, names[part], output, partition_values, landed or ()
                )
            # Each table as the staged rows are made for it, opened once (each open reads
            # the log). A commit that finds other columns (another partition's write
            # changed them meanwhile) is refused instead of undoing them.
            tables = {part: self._existing(part) for part in staged}
            columns = {part: t.schema().to_json() if t else None for part, t in tables.items()}
            evolutions = {
                part: evolve(
                    part,
                    modes[part],
                    self._schema_of(tables[part]),
                    file.schema,
                    audit.schema if part == key else None,
                )
                for part, file in staged.items()
            }
            kept = staged[key]
            published, total = self._scan(kept.uri), kept.rows
            if write_mode.mode == "merge":
                check_merge_batch(key, published, write_mode.merge_key)
            if current is not None and mode == "merge":  # the rows of the other keys stay
                merge_key = list(write_mode.merge_key)
                others = current.join(published.select(merge_key), on=merge_key, how="anti")
                if write_mode.merge_delete:  # flagged keys leave the table with their rows
                    published = without_deleted(published, write_mode.merge_delete)
                published = pl.concat([others, published], how="diagonal_relaxed")
                total = published.select(pl.len()).collect().item()
            elif mode == "partition":  # the other partitions' rows stay as they are
                total += rows_outside(tables[key], partition)
            elif current is not None:  # appended: the new version is the old rows plus these
                published = pl.concat([current, published], how="vertical_relaxed")
                total += current.select(pl.len()).collect().item()
            # The empty-result rule counts what this write returned: a partition's own rows.
            result_rows = kept.rows if partition is not None else total
            outcomes, refusals = audit.run(key, published, result_rows)
            if refusals:
                latest = self._existing(key)
                stays = f"version {latest.version()} stays current" if latest else "no table"
                what = f"{key} partition {partition}" if partition else key
                msg = (
                    f"{what} was not published: {'; '.join(refusals)}. Nothing was written "
                    f"({stays}); fix the data or the logic in src/core/{key}.py"
                )
                raise AuditError(msg, outcomes)
            crash_point(key, "after-files")
            metadata = {
                **commit_metadata(key, run_id),
                "polster_env": self.environment,
                "polster_write": write_id,
            }
            if partition is not None:
                metadata["polster_partition"] = partition.isoformat()
            if landed is not None:  # which landed files this version added
                metadata["polster_ingested_files"] = json.dumps(files_metadata(landed))
            if len(parts) > 1:
                metadata["polster_unit"] = write_id  # kept and rejected: one unit
            for part, file in reversed(staged.items()):  # rejected first, kept last
                if part == key and len(parts) > 1:
                    crash_point(key, "between-commits")
                part_metadata = {**metadata, "polster_asset": part}
                evolution = evolutions[part]
                if modes[part] == "merge":
                    versions[part] = self._merge(part, file, part_metadata, write_mode, total)
                elif replaced[part]:  # a merged partition's rejected rows: replaced
                    versions[part] = self._replace_partition_rows(
                        part, file, part_metadata, partition
                    )
                else:
                    rows = total if part == key else None
                    versions[part] = self._commit(
                        part, file, part_metadata, modes[part], rows, evolution, columns[part]
                    )
            crash_point(key, "after-commit")
        except BaseException:
            # Delete what no version references: every file of this write not committed
            # (a partly written one included). A committed part keeps its file; if the
            # other part failed, the next write repairs the split unit.
            for part in parts:
                if part in versions:
                    continue
                self._delete_file(f"{self.uri(part)}/{names[part]}")
                if self.remote is None:  # a refused first write leaves no empty folder
                    with suppress(OSError):
                        if folder:
                            Path(self.uri(part), folder).rmdir()
                        Path(self.uri(part)).rmdir()
            self._delete_journal(journal)
            raise
        self._delete_journal(journal)
        written = {
            part: WrittenTable(
                key=part,
                uri=self.uri(part),
                version=versions[part],
                row_count=file.rows,
                schema=evolutions[part].schema,
                preview=self._scan(file.uri).head(PREVIEW_ROWS).collect(),
            )
            for part, file in staged.items()
        }
        schema = written[key].schema
        if mode == "partition":  # the partition is in the log, not in the files
            schema = pl.Schema({**schema, PARTITION_COLUMN: pl.Date})
        for part, evolution in evolutions.items():  # delta-rs wrote them into files of its own
            if evolution.rewritten or modes[part] == "merge" or replaced[part]:
                self._delete_file(staged[part].uri)
        if mode == "merge":
            merged = pl.scan_delta(self._table(key), storage_options=self._polars_options)
            schema = merged.collect_schema()  # without a MERGE_DELETE flag
        return replace(
            written[key],
            row_count=total,
            rows_written=staged[key].rows,
            schema=schema,
            outcomes=tuple(outcomes),
            rejected=written.get(rejected_key(key)),
            notes=(*notes, *(n for part, e in evolutions.items() for n in e.notes(part))),
            ingested=landed,
            partition=partition,
        )

    def _check_partitioned(self, key: str) -> None:
        """Refuse to write a partition into a table that is not partitioned (one written
        before its module declared PARTITIONS): its other rows would have no partition."""
        table = self._existing(key)
        if table is None or table.metadata().partition_columns == [PARTITION_COLUMN]:
            return
        msg = (
            f"{key}'s table was written before src/core/{key}.py declared PARTITIONS, so its "
            f"rows have no {PARTITION_COLUMN}: delete its folder ({self.uri(key)}) and "
            "backfill the partitions, or drop PARTITIONS"
        )
        raise StorageError(msg)

    def _landing_plan(
        self, key: str, landing: Landing
    ) -> tuple[pl.LazyFrame, str, pl.LazyFrame | None, tuple[LandedFile, ...]] | None:
        """What to write for the files that landed: (rows, mode, rows kept, files), or None.

        New files are appended. A changed file (another size or modification time) replaces
        the rows it gave before: the new version is then the table without them, plus the
        batch, written whole. None when nothing is new.
        """
        try:
            table = self.read(key)
        except StorageError:
            table = None
        held = ingested_files(table) if table is not None else {}
        columns = source_columns(table.collect_schema()) if held else None
        files = landing.files()
        batch = landing.batch(held, columns, files)
        if not batch.files:
            return None
        if table is None:
            return batch.frame, "overwrite", None, batch.files
        if batch.replaced:
            kept = table.filter(~pl.col(SOURCE_FILE).is_in(batch.replaced))
            rows = pl.concat([kept, batch.frame], how="vertical_relaxed")
            return rows, "overwrite", None, batch.files
        return batch.frame, "append", table, batch.files

    def _stage_source(
        self,
        key: str,
        frame: Frame,
        name: str,
        output: Output,
        partition_values: dict[str, str],
        landed: Sequence[LandedFile],
    ) -> publish.StagedFile:
        """Stage `frame`; a landed file (of those being ingested) that cannot be read is
        named in one line."""
        try:
            return self._stage(key, frame, name, partition_values)
        except (pl.exceptions.PolarsError, DeltaError) as error:
            if not isinstance(output, Landing):
                raise
            raise output.explain(error, landed) from None

    def _latest(self, key: str) -> WrittenTable:
        """What the table's latest version holds, without writing anything."""
        table = self._table(key)
        rows = pl.scan_delta(table, storage_options=self._polars_options)
        return WrittenTable(
            key=key,
            uri=self.uri(key),
            version=table.version(),
            row_count=rows.select(pl.len()).collect().item(),
            schema=rows.collect_schema(),
        )

    def _stage(
        self, key: str, frame: Frame, name: str, partition_values: dict[str, str]
    ) -> publish.StagedFile:
        """Stream `frame` into a new data file in the table's folder (of the Delta partition
        `partition_values` names, if any); no version sees it yet."""
        lazy = frame.lazy()
        schema = lazy.collect_schema()
        if not schema:
            msg = f"{key} returned a frame without columns: return at least one column"
            raise StorageError(msg)
        unstorable = publish.unstorable_columns(schema)
        if unstorable:
            msg = (
                f"{key} cannot be stored: column(s) {', '.join(unstorable)} have no Delta Lake "
                f"type. Convert them in src/core/{key}.py (e.g. .cast(pl.String)); nothing "
                "was written"
            )
            raise StorageError(msg)
        lazy = publish.storable(lazy, schema)
        schema = lazy.collect_schema()
        uri = f"{self.uri(key)}/{name}"
        if self.remote is None:
            self._make_writable_folder(key, Path(uri).parent)
        # Streamed batch by batch: memory does not grow with the table. Like every Parquet
        # write, it does not keep row order: whoever needs an order sorts what they read.
        lazy.sink_parquet(uri, storage_options=self._polars_options)
        size, modified_ms = self._file_info(uri)
        # Delta's statistics from the footer Polars wrote: its last bytes, no data read.
        read = None
        if self.remote is not None:
            blob = blob_path_of(uri)
            read = partial(self.remote.filesystem().cat_file, blob)
        rows, stats = publish.file_statistics(uri, size, schema, read)
        return publish.StagedFile(
            name, uri, size, modified_ms, rows, schema, stats, partition_values
        )

    def _make_writable_folder(self, key: str, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            writable = os.access(folder, os.W_OK)
            reason = "it is read-only"
        except OSError as error:
            writable, reason = False, error.strerror or type(error).__name__
        if not writable:
            msg = (
                f"{key} cannot be written to {folder} ({reason}): make the folder writable, "
                "or point POLSTER_DATA_DIR at one that is"
            )
            raise StorageError(msg)

    def _commit(
        self,
        key: str,
        file: publish.StagedFile,
        metadata: dict[str, str],
        mode: str,
        rows: int | None = None,
        evolution: Evolution | None = None,
        columns: str | None = None,
    ) -> int:
        """Commit one staged file as the table's next version (of `rows` rows, when known),
        with the table's columns `evolution` decided from the table's `columns` (its Delta
        schema; None: no table yet); returns that version."""
        uri = self.uri(key)
        if rows is None and mode == "overwrite":
            rows = file.rows
        if rows is not None:
            metadata = {**metadata, "polster_rows": str(rows)}
        schema = evolution.schema if evolution is not None else file.schema
        keeps_rows = mode in ("partition", "append")  # the rows of other writes stay

        def attempt(_: int) -> None:
            table = self._existing(key)
            now = table.schema().to_json() if table is not None else None
            if keeps_rows and columns is not None and now != columns:
                msg = (
                    f"{key} was not published: another process changed its columns while "
                    "this write was under way. Nothing of this write was kept: run it again"
                )
                raise StorageError(msg)
            if table is not None and evolution is not None and evolution.rewritten:
                publish.append_with_columns(table, self._scan(file.uri), metadata)
                return
            publish.commit(
                uri,
                [file],
                schema,
                metadata,
                mode=mode,
                table=table,
                storage_options=self._delta_options,
            )

        # Other partitions' writers commit meanwhile: retried (see conflicts.py).
        with_retries(key, attempt, retry=keeps_rows)
        return version_written(self._table(key), metadata["polster_write"])

    def _replace_partition_rows(
        self, key: str, file: publish.StagedFile, metadata: dict[str, str], partition: date | None
    ) -> int:
        """Replace the rows of `partition` (a column here, not a Delta partition) with the
        staged rows in one commit; returns the version."""
        table = self._table(key)
        day = partition.isoformat() if partition else ""
        predicate = f"`{PARTITION_COLUMN}` = '{day}'"
        publish.replace_rows(table, self._scan(file.uri), predicate, metadata)
        return self._table(key).version()

    def _merge(
        self,
        key: str,
        file: publish.StagedFile,
        metadata: dict[str, str],
        write_mode: WriteMode,
        rows: int,
    ) -> int:
        """Upsert the staged rows into the table by its merge key, in one Delta MERGE commit
        (it writes files of its own: the staged one is deleted once described); returns the
        version."""
        table = self._table(key)
        batch = self._scan(file.uri).collect()  # MERGE reads its source whole: the batch only
        predicate = " AND ".join(
            f"target.`{column}` = source.`{column}`" for column in write_mode.merge_key
        )
        properties = CommitProperties(custom_metadata={**metadata, "polster_rows": str(rows)})
        merger = table.merge(
            batch,
            predicate,
            source_alias="source",
            target_alias="target",
            merge_schema=True,
            commit_properties=properties,
        )
        flag = write_mode.merge_delete
        if flag is None:
            merger = merger.when_matched_update_all().when_not_matched_insert_all()
        else:  # a flagged row deletes its key; the flag itself is not stored
            stored = {f"`{column}`": f"source.`{column}`" for column in batch.columns}
            del stored[f"`{flag}`"]
            merger = (
                merger.when_matched_delete(predicate=f"source.`{flag}` IS TRUE")
                .when_matched_update(updates=stored)
                .when_not_matched_insert(updates=stored, predicate=f"source.`{flag}` IS NOT TRUE")
            )
        merger.execute()
        return table.version()

    def _remove_partial_files(self, key: str, partition: date | None = None) -> list[str]:
        """Delete what a killed delta-rs write left half-written in a local table: in the
        folder of `partition` only, when the caller holds only that partition's lock
        (another partition's writer may be writing its own folder's files right now)."""
        folder = Path(self.uri(key))
        if partition is not None:
            folder /= publish.partition_folder(PARTITION_COLUMN, partition)
        if self.remote is not None or not folder.is_dir():
            return []
        return remove_partial_files(folder)

    def _schema_of(self, table: DeltaTable | None) -> pl.Schema | None:
        """The columns of `table` as Polars reads them, from its log; None without a table."""
        if table is None:
            return None
        return pl.scan_delta(table, storage_options=self._polars_options).collect_schema()

    def _existing(self, key: str) -> DeltaTable | None:
        """The table of `key` at its latest version, or None when there is none yet."""
        try:
            return self._open(self.uri(key))
        except TableNotFoundError:
            return None

    def _scan(self, uri: str) -> pl.LazyFrame:
        return pl.scan_parquet(uri, storage_options=self._polars_options)

    # A journal of the writes in progress, so that a killed one is cleaned up after.

    def _recover(self, key: str, lock: date | None = None) -> list[str]:
        """Clean up after writes of `key` that were killed: the files no version
        references, a split unit. The caller holds the table's lock (of partition `lock`
        only, if given): the journals of writes under that lock are those of killed ones."""
        notes = []
        for path, write_id, held, files in journals(*self._journal):
            if key not in files or not files[key].startswith(f"{self.uri(key)}/"):
                continue  # another table's write (or another store's)
            if lock is not None and held != lock_name(key, lock):
                continue  # another partition's write: it may be under way
            for part, uri in files.items():
                table = self._existing(part)
                at = partial(self._open, self.uri(part))
                if not referenced(table, at, uri, write_id):
                    self._delete_file(uri)
            self._delete_journal(path)
            notes.append(f"removed the files of an interrupted write ({write_id[:8]})")
        for part in (key, rejected_key(key)):
            notes.extend(
                f"removed {path}: a killed write had left it half-written"
                for path in self._remove_partial_files(part, lock)
            )
        return [*notes, *self._repair_units(key, lock_name(key, lock))[0]]

    def _repair_units(self, key: str, held: str | None) -> tuple[list[str], list[Split]]:
        """Put kept and rejected rows a killed write split back together (see units.py),
        where nobody writes them: under the lock the caller `held` (a lock's name), or
        one that is free now. Returns what was done, and the splits left (of writes
        under way, between their two commits)."""
        rejected = rejected_key(key)
        rejected_table = self._existing(rejected)
        if rejected_table is None:
            return [], []
        notes, left = [], []
        for split in find_splits(self._existing(key), rejected_table):
            if held in (key, lock_name(key, split.partition)):
                notes.append(self._repair(key, split))
                continue
            with lock_if_free(self._locks, key, split.partition) as idle:
                if idle:
                    notes.append(self._repair(key, split))
                else:
                    left.append(split)
        return notes, left

    def _repair(self, key: str, split: Split) -> str:
        """Rejected rows committed first: after a crash between the two commits, they are
        one write ahead. They are restored to those of the unit the kept rows belong to,
        as a new version that says so."""
        rejected = rejected_key(key)
        if split.partition is None and split.unit is None:
            self.delete(rejected)
            return f"removed {rejected}: an interrupted first write of {key} left it alone"
        where = f"partition {split.partition} of {rejected}" if split.partition else rejected
        metadata = {
            "polster_asset": rejected,
            "polster_env": self.environment,
            "polster_repaired": f"a crash left {where} one write ahead of {key}",
            **({"polster_unit": split.unit} if split.unit else {}),
            **({"polster_restored_version": str(split.version)} if split.version else {}),
        }
        table = self._table(rejected)
        if split.partition is None:
            commit = CommitProperties(custom_metadata=metadata)
            table.restore(split.version, commit_properties=commit)
        else:
            rows_at = partial(self._rows_at, rejected)
            repair_partition(table, split, metadata, rows_at)
        note = f"repaired {where}: an interrupted write had left it ahead of {key}; " + (
            f"restored version {split.version}, which goes with {key}'s rows"
            if split.version is not None
            else f"removed its rows, which no rows of {key} go with"
        )
        log.warning(note)
        return note

    def _rows_at(self, key: str, version: int) -> pl.LazyFrame:
        return pl.scan_delta(self._table(key, version), storage_options=self._polars_options)

    def _repair_if_idle(self, key: str) -> list[Split]:
        """Repair a split unit before it is read, unless a write of it is under way: the
        splits of those are returned."""
        return self._call(f"read {key}", lambda: self._repair_units(key, None))[1]

    def _file_info(self, uri: str) -> tuple[int, int]:
        """Size in bytes and modification time in milliseconds of a data file."""
        if self.remote is None:
            stat = os.stat(uri)
            return stat.st_size, int(stat.st_mtime * 1000)
        info = self.remote.filesystem().info(blob_path_of(uri))
        return int(info["size"]), int(time.time() * 1000)

    def _delete_journal(self, path: str) -> None:
        filesystem, _ = self._journal
        try:
            filesystem.rm_file(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            log.warning("could not delete the write journal %s (%s)", path, error)

    def _delete_file(self, uri: str) -> None:
        """Delete a file that no version references; a file already gone is fine."""
        try:
            if self.remote is None:
                Path(uri).unlink(missing_ok=True)
            else:
                self.remote.filesystem().rm(blob_path_of(uri))
        except FileNotFoundError:
            pass
        except OSError as error:
            log.warning(
                "could not delete %s (%s): no version uses it, delete it by hand", uri, error
            )

    def _open(self, uri: str, version: int | None = None) -> DeltaTable:
        if self.remote is not None:
            return DeltaTable(uri, version, self._delta_options)
        damage = empty_last_commit(Path(uri))
        if damage:
            raise StorageError(damage)
        try:
            return LocalDeltaTable(uri, version, self._delta_options)
        except TableNotFoundError:
            raise
        except DeltaError:
            damage = damaged_commit(Path(uri))
            if damage:
                raise StorageError(damage) from None
            raise

    def _call(self, action: str, operation: Any) -> Any:
        """Run an operation on the storage, turning I/O failures into one clear message:
        on a local disk, a full disk or a read-only folder (see disk_errors)."""
        if self.remote is None:
            try:
                return operation()
            except PolsterError:
                raise
            except Exception as error:  # delta-rs: OSError; Polars: ComputeError
                problem = disk_problem(error)
                if problem is None:
                    raise
                msg = f"could not {action} in {self.root}: {problem}"
                raise StorageError(msg) from error
        try:
            return operation()
        except OSError as error:
            msg = (
                f"could not {action} at {self.root} ({self.remote.explain(error)}): "
                f"{self.remote.hint()}"
            )
            raise StorageError(msg) from None

    def _check_writable(self, key: str, action: str) -> None:
        """A local table's folder takes a new file: else one line (see disk_errors)."""
        if self.remote is not None:
            return
        probe = Path(self.uri(key), ".polster-write-test")

        def write() -> None:
            probe.touch()
            probe.unlink()

        self._call(f"{action} {key}", write)

    @property
    def _delta_options(self) -> dict[str, str] | None:
        return self.remote.delta_options if self.remote else None

    @property
    def _polars_options(self) -> dict[str, Any] | None:
        return self.remote.polars_options if self.remote else None


# Called with (table key, stage) as a write reaches each of its stages: before-files,
# after-files (written and audited, not committed), between-commits (rejected rows
# committed, kept rows not), after-commit. Empty in a project's runs; the crash tests add a
# hook that kills the process there, exactly as `kill -9` would (tests/crash_at.py).
WRITE_STAGE_HOOKS: list[Callable[[str, str], None]] = []


def rows_outside(table: DeltaTable | None, partition: date | None) -> int:
    """How many rows `table` holds in partitions other than `partition` (from its log)."""
    if table is None:
        return 0
    actions = pl.DataFrame(table.get_add_actions(flatten=True))
    if actions.is_empty():
        return 0
    others = actions.filter(pl.col(f"partition.{PARTITION_COLUMN}") != partition)
    return int(others["num_records"].sum())


def crash_point(key: str, stage: str) -> None:
    """A write of `key` reached `stage`: tell the hooks, if any."""
    for hook in WRITE_STAGE_HOOKS:
        hook(key, stage)
