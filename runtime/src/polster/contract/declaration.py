"""How an asset is declared: the contract between core modules and everything that runs them.

An asset's key is the file name of its core module (`src/core/silver_orders.py`
declares `silver_orders`), and its upstream assets are the parameter names of its
compute function (`def transform(bronze_orders)`). Its module may also declare
`CHECKS` (a list of checks from `polster`), `SCHEMA` (column -> Polars type), the
contract every table it writes must meet, and `ALLOW_EMPTY` (whether a result without
rows may be published: by default not on bronze, where it means the source sent
nothing) and `WRITE_MODE`, how each run's rows become the table's next version:
"overwrite" (the default: the rows are the table), "append" (added to the rows already
there) or "merge" (upserted by `MERGE_KEY`, the columns that identify a row: rows with a
new key are inserted, rows with a known key replace it; with `MERGE_DELETE`, the name of a
boolean column of the incoming rows, a row whose flag is true deletes its key instead, and
the flag itself is not stored). `PARTITIONS` and `PARTITIONS_START` make it a partitioned
asset (polster.contract.partitions): each run writes one partition, and its compute function may
take that partition as the keyword parameter `partition`; `PARTITIONS_PER_RUN` lets a backfill
of it become several runs of that many partitions each. `COLUMNS` describes its columns
(column -> one sentence), for the catalog `polster docs` writes. Declared once, read
everywhere.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from polster.contract.errors import PolsterError
from polster.contract.layers import PARTITION_PARAMETER, layer_of, upstreams_of_parameters
from polster.contract.partitions import Partitioning, parse_partitioning, parse_per_run
from polster.contract.quality import Check, Quarantined, duplicate_check_names, schema_violations


def asset_key_of(compute: Callable[..., object]) -> str:
    """The asset key a compute function produces: its module's file name."""
    return Path(inspect.getfile(compute)).stem


def upstream_keys_of(compute: Callable[..., object]) -> list[str]:
    """The upstream asset keys of a compute function (see layers.upstreams_of_parameters)."""
    return upstreams_of_parameters(inspect.signature(compute).parameters)


def takes_partition(compute: Callable[..., object]) -> bool:
    """Whether the compute function takes the partition it writes (a `partition` parameter)."""
    return PARTITION_PARAMETER in inspect.signature(compute).parameters


def partitioning_of(compute: Callable[..., object]) -> Partitioning | None:
    """How the compute function's module partitions its table (PARTITIONS), or None."""
    module = inspect.getmodule(compute)
    key = asset_key_of(compute)
    where = f"src/core/{key}.py"
    cadence = getattr(module, "PARTITIONS", None)
    if cadence is None:
        if takes_partition(compute):
            msg = (
                f"{compute.__name__}() in {where} takes a partition but the module declares "
                'no PARTITIONS: add PARTITIONS = "daily" and PARTITIONS_START = "2024-01-01", '
                "or drop the parameter"
            )
            raise DeclarationError(msg)
        return None
    partitioning = parse_partitioning(cadence, getattr(module, "PARTITIONS_START", None), where)
    if declared_write_mode(module, key).mode == "append":
        msg = (
            f'WRITE_MODE = "append" in {where} cannot be partitioned: a partitioned table '
            "replaces a partition's rows on every run (rerunning a day never duplicates it); "
            'drop WRITE_MODE, or use "merge"'
        )
        raise DeclarationError(msg)
    return partitioning


def partitions_per_run_of(compute: Callable[..., object]) -> int | None:
    """How many partitions one run of a backfill writes (PARTITIONS_PER_RUN), or None: the
    whole range in one run, the default."""
    module = inspect.getmodule(compute)
    key = asset_key_of(compute)
    where = f"src/core/{key}.py"
    per_run = parse_per_run(getattr(module, "PARTITIONS_PER_RUN", None), where)
    if per_run is None:
        return None
    if getattr(module, "PARTITIONS", None) is None:
        msg = f"PARTITIONS_PER_RUN in {where} goes with PARTITIONS: add that, or drop it"
        raise DeclarationError(msg)
    if declared_write_mode(module, key).mode == "merge":
        msg = (
            f'PARTITIONS_PER_RUN in {where} cannot go with WRITE_MODE = "merge": merged '
            "partitions must be written in order (a later day's row replaces an earlier "
            "day's), and runs of a backfill run at the same time; drop PARTITIONS_PER_RUN"
        )
        raise DeclarationError(msg)
    return per_run


class SchemaContractError(PolsterError, ValueError):
    """A frame does not match the SCHEMA its module declares; nothing was written."""


class DeclarationError(PolsterError, ValueError):
    """A core module declares CHECKS or SCHEMA in a form Polster cannot use."""


def declared_checks(module: ModuleType, key: str) -> list[Check]:
    """The CHECKS of the core module of `key`: checks from `polster` with distinct names."""
    checks = list(getattr(module, "CHECKS", ()))
    if not all(isinstance(check, Check) for check in checks):
        msg = (
            f"CHECKS in src/core/{key}.py must be a list of checks from polster, "
            "e.g. CHECKS = [not_null('id'), unique('id')]"
        )
        raise DeclarationError(msg)
    duplicates = duplicate_check_names(checks)
    if duplicates:
        msg = (
            f"CHECKS in src/core/{key}.py has two checks named {', '.join(duplicates)}: "
            "give one of them another name (name=...)"
        )
        raise DeclarationError(msg)
    return checks


def checks_of(compute: Callable[..., object]) -> list[Check]:
    """The data quality checks the compute function's module declares (CHECKS)."""
    return declared_checks(inspect.getmodule(compute), asset_key_of(compute))


def allows_empty(compute: Callable[..., object]) -> bool:
    """Whether a result without rows may be published (ALLOW_EMPTY; default: not on bronze)."""
    key = asset_key_of(compute)
    allowed = getattr(inspect.getmodule(compute), "ALLOW_EMPTY", layer_of(key) != "bronze")
    if not isinstance(allowed, bool):
        msg = f"ALLOW_EMPTY in src/core/{key}.py must be True or False, not {allowed!r}"
        raise DeclarationError(msg)
    return allowed


WRITE_MODES = ("overwrite", "append", "merge")


@dataclass(frozen=True)
class WriteMode:
    """How a run's rows become the table's next version (WRITE_MODE, MERGE_KEY)."""

    mode: str = "overwrite"
    merge_key: tuple[str, ...] = ()  # merge only: the columns that identify a row
    merge_delete: str | None = None  # merge only: a boolean column; true deletes the key


def declared_write_mode(module: ModuleType, key: str) -> WriteMode:
    """The WRITE_MODE (and MERGE_KEY, MERGE_DELETE) of the core module of `key`, checked."""
    mode = getattr(module, "WRITE_MODE", "overwrite")
    merge_key = getattr(module, "MERGE_KEY", None)
    merge_delete = getattr(module, "MERGE_DELETE", None)
    if mode not in WRITE_MODES:
        msg = (
            f'WRITE_MODE in src/core/{key}.py must be "overwrite", "append" or "merge", '
            f"not {mode!r}"
        )
        raise DeclarationError(msg)
    if isinstance(merge_key, str):
        merge_key = (merge_key,)
    if mode != "merge":
        for name, value in (("MERGE_KEY", merge_key), ("MERGE_DELETE", merge_delete)):
            if value is not None:
                msg = (
                    f'{name} in src/core/{key}.py goes with WRITE_MODE = "merge": add that, '
                    f"or drop {name}"
                )
                raise DeclarationError(msg)
        return WriteMode(mode)
    columns = tuple(merge_key or ())
    if not columns or not all(isinstance(column, str) and column for column in columns):
        msg = (
            f'WRITE_MODE = "merge" in src/core/{key}.py needs MERGE_KEY, the columns that '
            'identify a row, e.g. MERGE_KEY = ("order_id",)'
        )
        raise DeclarationError(msg)
    if merge_delete is not None and (not isinstance(merge_delete, str) or not merge_delete):
        msg = (
            f"MERGE_DELETE in src/core/{key}.py must name one boolean column of the rows, "
            f'e.g. MERGE_DELETE = "is_deleted", not {merge_delete!r}'
        )
        raise DeclarationError(msg)
    if merge_delete in columns:
        msg = f"MERGE_DELETE in src/core/{key}.py cannot be a MERGE_KEY column ({merge_delete})"
        raise DeclarationError(msg)
    return WriteMode(mode, columns, merge_delete)


def write_mode_of(compute: Callable[..., object]) -> WriteMode:
    """The write mode the compute function's module declares (WRITE_MODE, MERGE_KEY, ...)."""
    return declared_write_mode(inspect.getmodule(compute), asset_key_of(compute))


def declared_columns(module: ModuleType, key: str) -> dict[str, str]:
    """The column descriptions the core module of `key` declares next to its logic
    (`COLUMNS = {"revenue": "Sum of completed orders' amounts"}`), checked; {} without any."""
    columns = getattr(module, "COLUMNS", None)
    if columns is None:
        return {}
    if not isinstance(columns, dict) or not all(
        isinstance(name, str) and isinstance(text, str) for name, text in columns.items()
    ):
        msg = (
            f"COLUMNS in src/core/{key}.py must map column names to descriptions, "
            'e.g. COLUMNS = {"revenue": "Revenue of the completed orders"}'
        )
        raise DeclarationError(msg)
    return {name: " ".join(text.split()) for name, text in columns.items()}


def undescribed_columns(
    key: str, described: Mapping[str, str], columns: Sequence[str]
) -> list[str]:
    """A warning line for each column COLUMNS describes that the table does not have."""
    return [
        f"COLUMNS in src/core/{key}.py describes {name}, which {key} has no column of "
        f"(its columns: {', '.join(columns)}): rename or drop it"
        for name in described
        if name not in columns
    ]


def schema_of(compute: Callable[..., object]) -> dict[str, Any] | None:
    """The schema contract the compute function's module declares (SCHEMA), if any."""
    return getattr(inspect.getmodule(compute), "SCHEMA", None)


class OutputTypeError(PolsterError, TypeError):
    """A compute function returned something that is not a Polars frame."""


def compute_output(compute: Callable[..., Any], inputs: dict[str, Any]) -> Any:
    """Run `compute` on its inputs (its partition among them, for a partitioned asset) and
    check the result against the declared SCHEMA."""
    output = compute(**inputs)
    # A frame, a quarantine, or a source that reads itself lazily (polster.core.landing.Landing).
    if not (isinstance(output, Quarantined) or callable(getattr(output, "lazy", None))):
        key = asset_key_of(compute)
        returned = (
            "None" if output is None else f"a {type(output).__module__}.{type(output).__name__}"
        )
        msg = (
            f"{key}: {compute.__name__}() returned {returned}; it must return a Polars frame "
            f"(pl.DataFrame or pl.LazyFrame; pl.from_pandas(...) converts a pandas one). "
            f"Fix the return statement in src/core/{key}.py"
        )
        raise OutputTypeError(msg)
    declared = schema_of(compute)
    if declared is not None:
        frame = output.kept if isinstance(output, Quarantined) else output
        problems = schema_violations(frame.lazy().collect_schema(), declared)
        if problems:
            key = asset_key_of(compute)
            msg = (
                f"{key} breaks its SCHEMA contract: {'; '.join(problems)}. Change the "
                f"function or SCHEMA in src/core/{key}.py; nothing was written"
            )
            raise SchemaContractError(msg)
    return output


def declared_lineage_of(compute: Callable[..., object]) -> dict[str, tuple[tuple[str, str], ...]]:
    """The column lineage the module declares (LINEAGE), for columns an opaque step hides.

    `LINEAGE = {"score": ["silver_orders.amount", "silver_orders.status"]}`: each output
    column, the upstream `asset.column`s its values come from ([] for none). Checked here
    for its form and its assets (upstreams of the function); the columns are checked
    against the upstream tables when the lineage is derived (polster.core.lineage).
    """
    key = asset_key_of(compute)
    declared = getattr(inspect.getmodule(compute), "LINEAGE", None)
    if declared is None:
        return {}
    example = 'e.g. LINEAGE = {"score": ["silver_orders.amount"]}'
    if not isinstance(declared, dict) or not all(isinstance(name, str) for name in declared):
        msg = f"LINEAGE in src/core/{key}.py must map output columns to upstream columns, {example}"
        raise DeclarationError(msg)
    upstreams = upstream_keys_of(compute)
    lineage = {}
    for column, sources in declared.items():
        if not isinstance(sources, list | tuple) or not all(isinstance(s, str) for s in sources):
            msg = (
                f'LINEAGE["{column}"] in src/core/{key}.py must be a list of "asset.column", '
                f"{example}"
            )
            raise DeclarationError(msg)
        pairs = set()
        for source in sources:
            asset, dot, name = source.partition(".")
            if not dot or not name or asset not in upstreams:
                among = ", ".join(upstreams) or "none: it takes no upstream asset"
                msg = (
                    f'LINEAGE["{column}"] in src/core/{key}.py names {source!r}: write '
                    f'"asset.column" with an upstream of {compute.__name__}() ({among})'
                )
                raise DeclarationError(msg)
            pairs.add((asset, name))
        lineage[column] = tuple(sorted(pairs))
    return lineage
