"""How an asset is declared: the contract between core modules and everything that runs them.

An asset's key is the file name of its core module (`src/core/silver_orders.py`
declares `silver_orders`), and its upstream assets are the parameter names of its
compute function (`def transform(bronze_orders)`). Declared once, read everywhere.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path


def asset_key_of(compute: Callable[..., object]) -> str:
    """The asset key a compute function produces: its module's file name."""
    return Path(inspect.getfile(compute)).stem


def upstream_keys_of(compute: Callable[..., object]) -> list[str]:
    """The upstream asset keys of a compute function: its parameter names, in order."""
    return list(inspect.signature(compute).parameters)
