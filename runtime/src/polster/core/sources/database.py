"""Databases as a source: one SQL query, read through connectorx, batch by batch.

The connection URL lives in `.env` (it holds a password), under a variable such as
`ORDERS_DATABASE_URL`, in the usual forms:

    postgresql://user:password@host:5432/database
    mssql://user:password@host:1433/database        (SQL Server, Azure SQL)
    sqlite:///relative/to/the/project.db             sqlite:////absolute/path.db

connectorx runs the query in Rust and hands the result over as Arrow record batches:
the table is written while the rows arrive, without holding them all in memory.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import polars as pl
from polars.io.plugins import register_io_source

from polster.core.paths import project_root
from polster.core.settings import secret
from polster.core.sources import SourceError

BATCH_ROWS = 100_000
DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "mssql": 1433, "mysql": 3306}
SCHEMES = (*DEFAULT_PORTS, "sqlite")
CONNECT_TIMEOUT = 10.0  # seconds


@dataclass(frozen=True)
class Query:
    """One SQL query against the database whose URL is in `url_variable` (in .env)."""

    sql: str
    url_variable: str
    batch_rows: int = BATCH_ROWS

    def read(self) -> pl.LazyFrame:
        """The query's rows, each with _ingested_at, fetched batch by batch."""
        stamp = pl.lit(datetime.now(UTC)).cast(pl.Datetime("us", "UTC"))
        rows = read_query(self.sql, self.url_variable, self.batch_rows)
        return rows.with_columns(stamp.alias("_ingested_at"))


def database_url(variable: str) -> str:
    """The connection URL in `variable` (from .env), checked; SQLite paths made absolute."""
    url = secret(variable)
    if not url:
        msg = (
            f"{variable} is not set: add {variable}=postgresql://user:password@host:5432/db "
            "(or mssql://..., sqlite:///file.db) to .env"
        )
        raise SourceError(msg)
    scheme = url.partition("://")[0].lower()
    if scheme not in SCHEMES:
        msg = f"{variable} starts with {scheme!r}: use one of {', '.join(SCHEMES)}"
        raise SourceError(msg)
    if scheme != "sqlite":
        check_shape(url, variable)
        return url
    path = Path(unquote(url.removeprefix("sqlite:///")))
    # sqlite:///relative.db is relative to the project root; sqlite:////x.db is absolute.
    path = path if url.startswith("sqlite:////") else project_root() / path
    if not path.is_file():
        msg = f"{variable} names {path}, which does not exist: check the path in .env"
        raise SourceError(msg)
    return "sqlite://" + quote(str(path))


def check_shape(url: str, variable: str) -> None:
    """Refuse a server URL that does not parse as user:password@host:port/database, with a
    message that never holds the URL: an unencoded '#', '/', '?' or '@' in the password
    moves the password into the host, port, path or fragment, where parsers quote it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a ValueError whose text holds the password)
    except ValueError:
        parts = None
    if parts is None or not parts.hostname or parts.fragment or "@" in parts.path + parts.query:
        msg = (
            f"{variable} in .env is not a database URL of the form "
            "postgresql://user:password@host:5432/database: if the password or user holds "
            "'#', '/', '?', '@' or ':', percent-encode them (%23, %2F, %3F, %40, %3A)"
        )
        raise SourceError(msg)


def read_query(query: str, variable: str, batch_rows: int = BATCH_ROWS) -> pl.LazyFrame:
    """The rows of `query`, streamed in batches of `batch_rows` when the frame is written.

    The query runs at once, so that a refused connection or an SQL error is reported
    here, with the database's own message; the rows are fetched as they are written.
    """
    # connectorx's connection pool logs every failed attempt on stderr; the SourceError
    # below says it once. RUST_LOG=error in the environment shows them again.
    os.environ.setdefault("RUST_LOG", "off")
    import connectorx as cx

    url = database_url(variable)
    check_reachable(url, variable)
    try:
        reader = cx.read_sql(url, query, return_type="arrow_stream", batch_size=batch_rows)
    except Exception as error:  # connectorx raises plain RuntimeErrors with the driver's text
        raise SourceError(explain(error, url, variable)) from None
    schema = pl.Schema(pl.from_arrow(reader.schema.empty_table()).schema)

    def batches(
        columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        _batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        produced = 0
        for record_batch in reader:
            frame = pl.from_arrow(record_batch)
            if predicate is not None:
                frame = frame.filter(predicate)
            if n_rows is not None:
                frame = frame.head(n_rows - produced)
            produced += frame.height
            yield frame.select(columns) if columns else frame
            if n_rows is not None and produced >= n_rows:
                return

    return register_io_source(batches, schema=schema)


def check_reachable(url: str, variable: str) -> None:
    """Fail at once when nothing listens at the server's address (the driver would wait
    half a minute and log every attempt)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite" or not parts.hostname:
        return
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    try:
        socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        msg = f"cannot connect to {_where(url)} ({reason}): is the server up? check {variable}"
        raise SourceError(msg) from None


def explain(error: Exception, url: str, variable: str) -> str:
    """The database's message on one line, without the password, and where to look."""
    text = " ".join(str(error).split())
    password = urlsplit(url).password
    if password:
        text = text.replace(password, "***").replace(quote(password, safe=""), "***")
    text = re.sub(r"://[^:/@\s]+:[^@\s]+@", "://***:***@", text)[:300]
    where = _where(url)
    if re.search(r"refused|could not connect|timed out|no route|resolve|unreachable", text, re.I):
        return f"cannot connect to {where} ({text}): is the server up? check {variable} in .env"
    if re.search(r"password|authentication|login failed", text, re.I):
        return f"{where} refused the login ({text}): check the user and password in {variable}"
    return f"the query failed on {where}: {text}"


def _where(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return f"SQLite {unquote(parts.path) or unquote(parts.netloc)}"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"
