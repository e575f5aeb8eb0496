"""How an asset is declared: the contract between core modules and everything that runs them.

An asset's key is the file name of its core module (`src/core/silver_orders.py`
declares `silver_orders`), and its upstream assets are the parameter names of its
compute function (`def transform(bronze_orders)`). Its module may also declare
`CHECKS` (a list of medallion.quality checks) and `SCHEMA` (column -> Polars type), the
contract every table it writes must meet. Declared once, read everywhere.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from medallion.errors import PolsterError
from medallion.quality import Check, Quarantined, duplicate_check_names, schema_violations


def asset_key_of(compute: Callable[..., object]) -> str:
    """The asset key a compute function produces: its module's file name."""
    return Path(inspect.getfile(compute)).stem


def upstream_keys_of(compute: Callable[..., object]) -> list[str]:
    """The upstream asset keys of a compute function: its parameter names, in order."""
    return list(inspect.signature(compute).parameters)


class SchemaContractError(PolsterError, ValueError):
    """A frame does not match the SCHEMA its module declares; nothing was written."""


class DeclarationError(PolsterError, ValueError):
    """A core module declares CHECKS or SCHEMA in a form Polster cannot use."""


def declared_checks(module: ModuleType, key: str) -> list[Check]:
    """The CHECKS of the core module of `key`: medallion.quality checks with distinct names."""
    checks = list(getattr(module, "CHECKS", ()))
    if not all(isinstance(check, Check) for check in checks):
        msg = (
            f"CHECKS in src/core/{key}.py must be a list of checks from medallion.quality, "
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


def schema_of(compute: Callable[..., object]) -> dict[str, Any] | None:
    """The schema contract the compute function's module declares (SCHEMA), if any."""
    return getattr(inspect.getmodule(compute), "SCHEMA", None)


def compute_output(compute: Callable[..., Any], inputs: dict[str, Any]) -> Any:
    """Run `compute` on its inputs and check the result against the declared SCHEMA."""
    output = compute(**inputs)
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
