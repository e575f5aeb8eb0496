"""The landing folder: files dropped into it are ingested into bronze once each.

A bronze module declares `SOURCE = Landing("landing/orders/*.csv", CsvReader())` and
returns it from `extract()`. On every write, storage asks the Landing which files are
new or changed since the table's latest version and appends only those: a changed file
(another size or modification time) replaces the rows it gave before. Each row records
the file it came from, that file's size and time, and when it was ingested, so the table
itself says what it holds; files are never moved or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from polster.core.sources import SourceError
from polster.core.sources.files import LandedFile, Reader, list_files

SOURCE_FILE = "_source_file"
SOURCE_SIZE = "_source_size"
SOURCE_MODIFIED = "_source_modified"
INGESTED_AT = "_ingested_at"
FILE_COLUMNS = (SOURCE_FILE, SOURCE_SIZE, SOURCE_MODIFIED, INGESTED_AT)
TIMESTAMP = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Batch:
    """The rows of the files to ingest now, and which earlier rows they replace."""

    frame: pl.LazyFrame
    files: tuple[LandedFile, ...]
    replaced: tuple[str, ...]  # paths whose earlier rows this batch replaces

    @property
    def predicate(self) -> str:
        """The Delta predicate matching every row of these files (old and new)."""
        quoted = ", ".join("'" + file.path.replace("'", "''") + "'" for file in self.files)
        return f"{SOURCE_FILE} IN ({quoted})"


@dataclass(frozen=True)
class Landing:
    """Files matched by a glob, each read with `reader` and ingested once."""

    pattern: str
    reader: Reader

    def files(self) -> list[LandedFile]:
        """Every file that matches, or SourceError when none does."""
        files = list_files(self.pattern)
        if not files:
            msg = (
                f"no file matches {self.pattern}: drop *.{self.reader.extension} files there "
                "(relative to the project root), or change SOURCE"
            )
            raise SourceError(msg)
        return files

    def batch(
        self,
        ingested: Mapping[str, LandedFile],
        columns: Sequence[str] | None = None,
        files: Sequence[LandedFile] | None = None,
        now: datetime | None = None,
    ) -> Batch:
        """The files not yet in `ingested` (or changed since), read into one lazy frame.

        `columns` are the table's source columns, when it has rows already: every file
        must bring the same ones. `files` is the listing, when the caller has it already.
        """
        listed = self.files() if files is None else files
        pending = tuple(file for file in listed if ingested.get(file.path) != file)
        stamp = pl.lit(now or datetime.now(UTC)).cast(TIMESTAMP)
        frames = []
        expected, expected_from = (list(columns), "the table") if columns else (None, "")
        for file in pending:
            problem = refusal(self.reader, file)
            if problem:
                raise SourceError(problem)
            frame = self.reader.scan(file.location)
            found = frame.collect_schema().names()
            if expected is None:
                expected, expected_from = found, file.path
            elif found != expected:
                raise SourceError(header_changed(file.path, found, expected, expected_from))
            frames.append(
                frame.with_columns(
                    pl.lit(file.path).alias(SOURCE_FILE),
                    pl.lit(file.size, pl.Int64).alias(SOURCE_SIZE),
                    pl.lit(file.modified).cast(TIMESTAMP).alias(SOURCE_MODIFIED),
                    stamp.alias(INGESTED_AT),
                )
            )
        frame = pl.concat(frames, how="vertical_relaxed") if frames else pl.LazyFrame()
        replaced = tuple(file.path for file in pending if file.path in ingested)
        return Batch(frame, pending, replaced)

    def lazy(self) -> pl.LazyFrame:
        """Every matching file, as if none was ingested yet (to check a SCHEMA)."""
        return self.batch({}).frame

    def explain(self, error: Exception, files: Sequence[LandedFile]) -> SourceError:
        """A one-line SourceError for a failed read: the first file that is at fault."""
        for file in files:
            problem = self.reader.diagnose(file.location)
            if problem:
                return SourceError(problem)
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return SourceError(f"could not read the files of {self.pattern}: {first}")


def refusal(reader: Reader, file: LandedFile) -> str | None:
    """Why a landed file cannot be ingested as it is (empty; rows that do not match its
    header), in one line naming it; None when it can."""
    if file.size == 0:
        return (
            f"{file.path} is empty (0 bytes): remove it from the landing folder, or wait "
            "until it is written whole; nothing was ingested"
        )
    return reader.validate(file.location)


def header_changed(path: str, found: Sequence[str], expected: Sequence[str], origin: str) -> str:
    missing = [column for column in expected if column not in found]
    added = [column for column in found if column not in expected]
    changes = [
        *([f"missing {', '.join(missing)}"] if missing else []),
        *([f"new {', '.join(added)}"] if added else []),
    ] or ["the same columns in another order"]
    return (
        f"{path}: header changed: it has {', '.join(found)} where {origin} has "
        f"{', '.join(expected)} ({'; '.join(changes)}): fix the file, or move it out of "
        "the landing folder"
    )


def ingested_files(table: pl.LazyFrame) -> dict[str, LandedFile]:
    """The files a bronze table holds rows of, by path (as they were when ingested)."""
    if SOURCE_FILE not in table.collect_schema().names():
        return {}
    rows = table.select(SOURCE_FILE, SOURCE_SIZE, SOURCE_MODIFIED).unique().collect().rows()
    return {path: LandedFile(path, size, modified) for path, size, modified in rows}


def ingested_summary(table: pl.LazyFrame) -> pl.DataFrame:
    """One row per ingested file: path, size, modified time, rows, when it was ingested."""
    return (
        table.group_by(SOURCE_FILE, SOURCE_SIZE, SOURCE_MODIFIED)
        .agg(pl.len().alias("rows"), pl.col(INGESTED_AT).max().alias("ingested_at"))
        .rename({SOURCE_FILE: "file", SOURCE_SIZE: "bytes", SOURCE_MODIFIED: "modified"})
        .sort("file")
        .collect()
    )


def source_columns(schema: pl.Schema | None) -> list[str] | None:
    """The columns the files brought, without the ones ingestion adds."""
    if schema is None:
        return None
    return [name for name in schema.names() if name not in FILE_COLUMNS]


def files_metadata(files: Sequence[LandedFile]) -> list[dict[str, object]]:
    """The ingested files as plain values, for a commit's metadata."""
    return [
        {"path": file.path, "size": file.size, "modified": file.modified.isoformat()}
        for file in files
    ]
