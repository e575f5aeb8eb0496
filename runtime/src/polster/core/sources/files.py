"""Files as a source: how to list them and how to read one of each format, lazily.

Paths are globs relative to the project root (`landing/orders/*.csv`), absolute paths, or
`abfss://` URIs on ADLS (read with the same credentials as the tables). Each reader reads
one file into a LazyFrame; `polster.core.landing` adds the columns that say where each row came
from, and decides which files are new.
"""

from __future__ import annotations

import csv
import glob
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from polster.core.paths import project_root
from polster.core.sources import SourceError

REMOTE_PREFIX = "abfss://"
CHUNK_BYTES = 8 << 20  # a landed CSV file is checked this many bytes at a time


@dataclass(frozen=True, order=True)
class LandedFile:
    """One file of a source: where it is (as recorded in the table), its size and mtime."""

    path: str  # relative to the project root when it is under it, else absolute or a URI
    size: int
    modified: datetime  # UTC, microseconds

    @property
    def location(self) -> str:
        """Where to read the file from."""
        if self.path.startswith(REMOTE_PREFIX) or Path(self.path).is_absolute():
            return self.path
        return str(project_root() / self.path)


def landing_folder(pattern: str) -> Path:
    """The folder a local glob lists: its path up to the first part with a wildcard."""
    fixed = []
    for part in Path(pattern).parts:
        if any(char in part for char in "*?["):
            break
        fixed.append(part)
    return project_root().joinpath(*fixed)


def list_files(pattern: str) -> list[LandedFile]:
    """Every file the glob matches, sorted by path (no file is read).

    Only regular files whose resolved path stays inside the landing folder count: a
    symbolic link to a file elsewhere (`../../.env`) is skipped, and one line on stderr
    says which were.
    """
    if pattern.startswith(REMOTE_PREFIX):
        return _list_remote(pattern)
    folder = landing_folder(pattern).resolve()
    files, skipped = [], []
    for name in glob.glob(str(project_root() / pattern), recursive=True):
        path = Path(name)
        if not path.is_file():
            continue
        if not path.resolve().is_relative_to(folder):
            skipped.append(name)
            continue
        stat = path.stat()
        shown = path.relative_to(project_root()) if path.is_relative_to(project_root()) else path
        modified = _utc_microseconds(stat.st_mtime_ns)
        files.append(LandedFile(shown.as_posix(), stat.st_size, modified))
    if skipped:
        shown_skipped = ", ".join(sorted(Path(name).name for name in skipped))
        print(
            f"warning: skipped {len(skipped)} file(s) of {pattern} that lead outside "
            f"{folder} (symbolic links): {shown_skipped}",
            file=sys.stderr,
        )
    return sorted(files)


def _utc_microseconds(nanoseconds: int) -> datetime:
    # Exact to the microsecond (what the table's timestamps keep), without float rounding.
    seconds, rest = divmod(nanoseconds, 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=rest // 1_000)


def _list_remote(pattern: str) -> list[LandedFile]:
    from adlfs import AzureBlobFileSystem

    from polster.core import adls
    from polster.core.settings import get_settings

    container_path = pattern.removeprefix(REMOTE_PREFIX)
    container, _, rest = container_path.partition("@")
    path = f"{container}/{rest.partition('/')[2]}"
    host = rest.partition("/")[0]
    filesystem = AzureBlobFileSystem(**adls.adlfs_options(get_settings()))
    found = filesystem.glob(path, detail=True)
    return sorted(
        LandedFile(
            f"{REMOTE_PREFIX}{container}@{host}/{name.partition('/')[2]}",
            int(info["size"]),
            info["last_modified"].astimezone(UTC),
        )
        for name, info in found.items()
        if info.get("type") == "file"
    )


def _storage_options(location: str) -> dict[str, Any] | None:
    if not location.startswith(REMOTE_PREFIX):
        return None
    from polster.core import adls
    from polster.core.settings import get_settings

    return adls.polars_options(get_settings())


@dataclass(frozen=True)
class CsvReader:
    """CSV files, every column read as text: bronze keeps values as sent, silver types them.

    `encoding` is "utf8" (fastest, streamed) or any Python codec such as "latin-1" or
    "cp1252" (the file is decoded in memory first). `null_values` are the texts that mean
    "no value" (`"NA"`, or a list), read as null; `schema_overrides` types the columns it
    names (`{"body_mass_g": pl.Int64}`), the others stay text. A value that does not parse
    as its type stops the read with one line naming the column.
    """

    separator: str = ","
    encoding: str = "utf8"
    null_values: str | Sequence[str] | None = None
    schema_overrides: Mapping[str, pl.DataType] | None = None
    extension: str = field(default="csv", init=False)

    def scan(self, location: str) -> pl.LazyFrame:
        options: dict[str, Any] = {"separator": self.separator, "infer_schema": False}
        if self.null_values is not None:
            options["null_values"] = (
                self.null_values if isinstance(self.null_values, str) else list(self.null_values)
            )
        if self.schema_overrides:
            options["schema_overrides"] = dict(self.schema_overrides)
        if self.encoding.replace("-", "").lower() == "utf8":
            return pl.scan_csv(location, storage_options=_storage_options(location), **options)
        text = Path(location).read_bytes().decode(self.encoding)
        return pl.read_csv(text.encode(), **options).lazy()

    def validate(self, location: str) -> str | None:
        """Why the file's rows cannot be taken as they are (a row with more or fewer fields
        than the header, one cut mid-way), naming the file and line; None when they can.

        Polars would read a short row with nulls in its missing fields: each line's fields
        are counted first, in one streamed pass (quoted values set aside); only a file
        with a suspect line is read again, by Python's csv module, for the exact line.
        """
        if self.encoding.replace("-", "").lower() != "utf8" or location.startswith(REMOTE_PREFIX):
            return self.diagnose(location)
        if not _suspect_lines(location, self.separator):
            return None
        return self.diagnose(location)

    def diagnose(self, location: str) -> str | None:
        """Why the file cannot be read, naming the line; None when the file looks fine."""
        name = _shown(location)
        encoding = "utf-8" if self.encoding.replace("-", "").lower() == "utf8" else self.encoding
        try:
            with open(location, encoding=encoding, newline="") as handle:
                rows = csv.reader(handle, delimiter=self.separator, strict=True)
                header = next(rows, [])
                for row in rows:
                    if row and len(row) != len(header):
                        return (
                            f"{name} line {rows.line_num} has {len(row)} fields where its "
                            f"header has {len(header)}: fix that row (quote values that "
                            f"contain '{self.separator}')"
                        )
        except UnicodeDecodeError as error:
            return (
                f"{name} is not {encoding} text (byte {error.start}): save it as UTF-8, or "
                'set the reader\'s encoding, e.g. CsvReader(encoding="latin-1")'
            )
        except csv.Error as error:
            return f"{name} line {rows.line_num} is malformed ({error}): fix its quoting"
        except OSError:
            return None
        return None


@dataclass(frozen=True)
class ParquetReader:
    """Parquet files, with the types they were written with."""

    extension: str = field(default="parquet", init=False)

    def scan(self, location: str) -> pl.LazyFrame:
        return pl.scan_parquet(location, storage_options=_storage_options(location))

    def validate(self, location: str) -> str | None:
        return None  # a Parquet file's rows always match its schema

    def diagnose(self, location: str) -> str | None:
        try:
            pl.read_parquet_schema(location)
        except Exception as error:  # any reason the footer cannot be read
            return f"{_shown(location)} is not a readable Parquet file ({_first_line(error)})"
        return None


@dataclass(frozen=True)
class JsonReader:
    """JSON files: JSON lines (one object per line, streamed) or one array of objects."""

    extension: str = field(default="json", init=False)

    def scan(self, location: str) -> pl.LazyFrame:
        if _first_character(location) == "[":
            # A JSON array has no streaming reader: the file is parsed at once.
            return pl.read_json(Path(location).read_bytes()).lazy()
        return pl.scan_ndjson(location, storage_options=_storage_options(location))

    def validate(self, location: str) -> str | None:
        return None  # a malformed line fails the read, and diagnose() names it

    def diagnose(self, location: str) -> str | None:
        name = _shown(location)
        try:
            text = Path(location).read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            return f"{name} is not UTF-8 text (byte {error.start}): save it as UTF-8"
        except OSError:
            return None
        if text.lstrip().startswith("["):
            lines = [(0, text)]  # one document: the decoder counts its lines
        else:
            lines = [(number, line) for number, line in enumerate(text.splitlines(), 1)]
        for number, line in lines:
            try:
                if line.strip():
                    json.loads(line)
            except json.JSONDecodeError as error:
                where = number or error.lineno
                return f"{name} line {where} is not valid JSON ({error.msg}): fix that line"
        return None


@dataclass(frozen=True)
class ExcelReader:
    """Excel workbooks (.xlsx, .xlsb, .xls), one sheet each, read by calamine (Rust).

    `sheet` is a sheet name, or None for the first sheet.
    """

    sheet: str | None = None
    extension: str = field(default="xlsx", init=False)

    def scan(self, location: str) -> pl.LazyFrame:
        import fastexcel

        name = _shown(location)
        try:
            sheets = fastexcel.read_excel(location).sheet_names
        except Exception as error:  # fastexcel's errors have no common base class
            msg = f"{name} is not a readable Excel workbook ({_first_line(error)})"
            raise SourceError(msg) from None
        if self.sheet is not None and self.sheet not in sheets:
            msg = (
                f"{name} has no sheet {self.sheet!r} (its sheets: {', '.join(sheets)}): "
                "set the reader's sheet, e.g. ExcelReader(sheet=" + repr(sheets[0]) + ")"
            )
            raise SourceError(msg)
        sheet = {"sheet_name": self.sheet} if self.sheet else {"sheet_id": 1}
        return pl.read_excel(location, engine="calamine", **sheet).lazy()

    def validate(self, location: str) -> str | None:
        return None  # read eagerly by scan(), which already names the problem

    def diagnose(self, location: str) -> str | None:
        return None  # read eagerly by scan(), which already names the problem


Reader = CsvReader | ParquetReader | JsonReader | ExcelReader


def _suspect_lines(location: str, separator: str) -> bool:
    """Whether a line of the CSV file may have fewer fields than its first (the header),
    from its bytes alone, without parsing (fast): a line without quotes with another
    number of separators, one with quotes and fewer separators (quoted values only add
    some), or an odd number of quotes (a value that goes on to the next line, or a cut).
    Too many fields need no check: Polars refuses them itself."""
    header, rest = None, b""
    with open(location, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            block = rest + chunk
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            if block:
                header, suspect = _suspect_block(block, separator, header)
                if suspect:
                    return True
    if rest.strip():  # a last line without a line break
        return _suspect_block(rest + b"\n", separator, header)[1]
    return False


def _suspect_block(block: bytes, separator: str, header: int | None) -> tuple[int, bool]:
    """(the header's separators, whether a line of `block` is suspect); `block` is whole
    lines, each ending with a line break."""
    import numpy as np  # only for landed CSV files: every command would wait for it

    data = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(data == ord("\n"))
    # How many separators (quotes) each line holds: those before its end, less those
    # before the previous line's end.
    separators = np.diff(np.searchsorted(np.flatnonzero(data == ord(separator)), ends), prepend=0)
    quotes = np.diff(np.searchsorted(np.flatnonzero(data == ord('"')), ends), prepend=0)
    blank = np.diff(ends, prepend=-1) <= 2  # an empty line (or a lone carriage return)
    if header is None:
        if quotes[0]:  # a quoted header: the exact check decides
            return 0, True
        header = int(separators[0])
    suspect = ~blank & (
        ((quotes == 0) & (separators != header)) | ((quotes > 0) & (separators < header))
    )
    return header, bool(suspect.any() or quotes.sum() % 2)


def _first_character(location: str) -> str:
    with open(location, "rb") as handle:
        return handle.read(64).lstrip()[:1].decode("ascii", errors="replace")


def _shown(location: str) -> str:
    path = Path(location)
    if not location.startswith(REMOTE_PREFIX) and path.is_relative_to(project_root()):
        return path.relative_to(project_root()).as_posix()
    return location


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
