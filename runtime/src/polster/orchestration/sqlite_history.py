"""The project's Dagster instance on SQLite, as run_polster.py opens it: the same databases
in the same format, written through connections that stay open.

Dagster's SQLite storages open a new database connection (and a new SQLAlchemy engine) for
every statement they run, and each close of the last connection to a WAL database
checkpoints it to disk: one run of the three examples made 286 connections and spent
more time in them than in its data. These subclasses keep one engine per database for
the life of the instance (closed with it); the databases, their tables and Dagster's
migrations are untouched, so the UI, the daemon and `dagster` commands, which open the
same files with Dagster's own classes, see every run and event as before.

Each connection also sets `PRAGMA synchronous=NORMAL`, SQLite's advice for WAL databases:
a commit is no longer forced to disk one by one; a process killed at any point loses
nothing it committed, a power cut may lose the last commits, never the database.

Only the default storage (SQLite in DAGSTER_HOME, `storage: sqlite:` or nothing in its
dagster.yaml) is replaced; an instance configured otherwise (PostgreSQL, a custom class)
is opened as Dagster opens it.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import dagster as dg
import sqlalchemy as db
import yaml
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import (
    SqliteScheduleStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from sqlalchemy.engine import Connection, Engine

# Keys of dagster.yaml that choose a storage (or an instance class): with any of them,
# Dagster's own classes open the instance.
STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage", "instance_class")
# Open engines of run databases an event log keeps (a run writes to its own database).
RUN_SHARDS_KEPT = 4


def open_project_instance(home: Path) -> dg.DagsterInstance:
    """The Dagster instance of `home` (DAGSTER_HOME), through these storages when it is
    Dagster's default SQLite one."""
    if not uses_default_storage(home / "dagster.yaml"):
        return dg.DagsterInstance.get()
    custom = {"module": __name__, "class": KeptOpenSqliteStorage.__name__}
    storage = {"custom": {**custom, "config": {"base_dir": str(home)}}}
    ref = InstanceRef.from_dir(str(home), overrides={"storage": storage})
    return dg.DagsterInstance.from_ref(ref)


def uses_default_storage(config_file: Path) -> bool:
    """Whether dagster.yaml leaves the storage to Dagster's default (SQLite in its folder)."""
    try:
        config = yaml.safe_load(config_file.read_text()) if config_file.exists() else {}
    except (OSError, yaml.YAMLError):  # Dagster says what is wrong with it
        return False
    return isinstance(config, dict) and not any(key in config for key in STORAGE_KEYS)


def kept_engine(url: str, **options: Any) -> Engine:
    """An engine that keeps its connections (SQLAlchemy's pool for SQLite files), each set
    to synchronous=NORMAL."""
    engine = db.create_engine(url, **options)

    @db.event.listens_for(engine, "connect")
    def _wal_normal_sync(connection: Any, _record: object) -> None:
        # Dagster makes each database WAL after creating its tables; before, each of the
        # ~30 statements that create them would wait for the disk twice.
        with suppress(sqlite3.OperationalError):  # locked by another process: as it was
            connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")

    return engine


class OneEngine:
    """For a Dagster SQLite storage of one database (`_conn_string`): one kept engine."""

    _conn_string: str
    _engine: Engine | None = None

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        if self._engine is None:
            self._engine = kept_engine(self._conn_string)
        with self._engine.connect() as connection, connection.begin():
            yield connection

    def dispose(self) -> None:
        super().dispose()  # type: ignore[misc]  # the Dagster storage's own
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


class KeptOpenRunStorage(OneEngine, SqliteRunStorage):
    """Dagster's SQLite run storage, through one engine."""


class KeptOpenScheduleStorage(OneEngine, SqliteScheduleStorage):
    """Dagster's SQLite schedule storage, through one engine."""


class KeptOpenEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (an index database and one database per run), through
    one engine per database: the index's and those of the latest runs."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:  # as Dagster's: one statement of this storage at a time
            engine = self._engines.get(shard)
            if engine is None:
                engine = self._engines[shard] = kept_engine(
                    self.conn_string_for_shard(shard),
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
                while len(self._engines) > RUN_SHARDS_KEPT + 1:  # + the index
                    _, oldest = self._engines.popitem(last=False)
                    oldest.dispose()
            self._engines.move_to_end(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as connection, connection.begin():
                yield connection

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before each asset check event; a table, once there, stays."""
        if table_name not in self._tables and super().has_table(table_name):
            self._tables.add(table_name)
        return table_name in self._tables

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()


class KeptOpenSqliteStorage(DagsterSqliteStorage):
    """`storage: sqlite:` of dagster.yaml, through the storages above."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self.base_dir = base_dir
        self._run_storage = KeptOpenRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = KeptOpenEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = KeptOpenScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        super(DagsterSqliteStorage, self).__init__()

    @classmethod
    def from_config_value(cls, inst_data: Any, config_value: Any) -> KeptOpenSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
