"""Polster: the medallion architecture for Dagster + Polars projects.

This module is the public API that a project's own code imports (its asset modules in
`src/core/`, their tests, notebooks). Every name here is pure Polars and Delta Lake, never
Dagster, so an asset module also runs on its own (`python src/core/silver_example.py`).
The Dagster side is `polster.orchestration` (`medallion_asset`, `build_definitions`), the
pytest side `polster.testing`. Everything else in the package is private.

Names are imported when first used, so `import polster` costs nothing until then.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.3.0"

# Each public name and the private module that defines it.
_EXPORTS = {
    # Errors: everything a user can fix is a PolsterError, shown as one line.
    "PolsterError": "polster.contract.errors",
    "SourceError": "polster.core.sources",
    # Quality: checks declared in CHECKS, quarantine rules, schema contracts.
    "Check": "polster.contract.quality",
    "accepted_values": "polster.contract.quality",
    "expect": "polster.contract.quality",
    "in_range": "polster.contract.quality",
    "min_rows": "polster.contract.quality",
    "not_null": "polster.contract.quality",
    "unique": "polster.contract.quality",
    "repeated": "polster.contract.quality",
    "quarantine": "polster.contract.quality",
    "Quarantined": "polster.contract.quality",
    # Sources for bronze: landed files and their readers, HTTP APIs, databases.
    "Landing": "polster.core.landing",
    "INGESTED_AT": "polster.core.landing",
    "SOURCE_FILE": "polster.core.landing",
    "CsvReader": "polster.core.sources.files",
    "ExcelReader": "polster.core.sources.files",
    "JsonReader": "polster.core.sources.files",
    "ParquetReader": "polster.core.sources.files",
    "Api": "polster.core.sources.api",
    "fetch_records": "polster.core.sources.api",
    "records_frame": "polster.core.sources.api",
    "records_of": "polster.core.sources.api",
    "Query": "polster.core.sources.database",
    # Settings and the project.
    "Settings": "polster.core.settings",
    "get_settings": "polster.core.settings",
    "secret": "polster.core.settings",
    "project_root": "polster.core.paths",
    # Tables: read any table (and version) of the project outside a run, from a notebook
    # or a script (scan_table, read_table), or through the store itself.
    "TableStore": "polster.core.storage",
    "default_store": "polster.core.storage",
    "read_table": "polster.core.storage",
    "scan_table": "polster.core.storage",
    # `python src/core/<asset>.py`: run one asset module on its own.
    "main": "polster.core.standalone",
}

__all__ = [  # the names of _EXPORTS, written out for linters and IDEs
    "INGESTED_AT",
    "SOURCE_FILE",
    "Api",
    "Check",
    "CsvReader",
    "ExcelReader",
    "JsonReader",
    "Landing",
    "ParquetReader",
    "PolsterError",
    "Quarantined",
    "Query",
    "Settings",
    "SourceError",
    "TableStore",
    "accepted_values",
    "default_store",
    "expect",
    "fetch_records",
    "get_settings",
    "in_range",
    "main",
    "min_rows",
    "not_null",
    "project_root",
    "quarantine",
    "read_table",
    "records_frame",
    "records_of",
    "repeated",
    "scan_table",
    "secret",
    "unique",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'polster' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next lookup skips this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # type checkers and IDEs see the names themselves
    from polster.contract.errors import PolsterError
    from polster.contract.quality import (
        Check,
        Quarantined,
        accepted_values,
        expect,
        in_range,
        min_rows,
        not_null,
        quarantine,
        repeated,
        unique,
    )
    from polster.core.landing import INGESTED_AT, SOURCE_FILE, Landing
    from polster.core.paths import project_root
    from polster.core.settings import Settings, get_settings, secret
    from polster.core.sources import SourceError
    from polster.core.sources.api import Api, fetch_records, records_frame, records_of
    from polster.core.sources.database import Query
    from polster.core.sources.files import CsvReader, ExcelReader, JsonReader, ParquetReader
    from polster.core.standalone import main
    from polster.core.storage import TableStore, default_store, read_table, scan_table
