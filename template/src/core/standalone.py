"""Run one core module on its own, without Dagster.

`python src/core/silver_example.py` reads the module's upstream tables, runs its
compute function and writes its table, through the same storage as Dagster.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from core.quality import CheckOutcome, evaluate
from core.settings import SettingsError
from core.sources import SourceError
from core.storage import Output, StorageError, TableStore, WrittenTable, default_store
from polster.declaration import (
    DeclarationError,
    SchemaContractError,
    asset_key_of,
    checks_of,
    compute_output,
    upstream_keys_of,
)
from polster.medallion import split_key


def run(compute: Callable[..., Output], store: TableStore | None = None) -> WrittenTable:
    """Materialize the asset that `compute` declares and return what was written."""
    store = store or default_store()
    inputs = {key: store.read(key) for key in upstream_keys_of(compute)}
    return store.write(asset_key_of(compute), compute_output(compute, inputs))


def main(compute: Callable[..., Output]) -> None:
    """Command-line entry point of a core module: run it, report, exit 1 on error.

    The module's CHECKS run on the written table too; a failed blocking one exits 1.
    """
    try:
        store = default_store()
        written = run(compute, store)
        outcomes = evaluate(store.read(written.key), checks_of(compute))
    except (
        SettingsError,
        StorageError,
        SourceError,
        SchemaContractError,
        DeclarationError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    if written.ingested == ():
        print(
            f"{written.key}: no new or changed files; the table stays at Delta version "
            f"{written.version} ({written.row_count:,} rows)"
        )
    else:
        print(
            f"{written.key}: wrote {written.row_count:,} rows to {written.uri} "
            f"(Delta version {written.version})"
        )
    if written.rejected is not None:
        print(f"  rejected {written.rejected.row_count:,} rows to {written.rejected.uri}")
    if written.ingested:
        print(f"  ingested {len(written.ingested)} new or changed file(s)")
        for file in written.ingested:
            print(f"    {file.path}")
    if written.sample_uri:
        print(f"  local sample: {written.sample_uri}")
    if report_checks(written.key, outcomes):
        raise SystemExit(1)


def report_checks(key: str, outcomes: list[CheckOutcome]) -> bool:
    """Print one line per check; True when a blocking check failed."""
    layer, _ = split_key(key)
    blocked = False
    for outcome in outcomes:
        blocks = outcome.check.blocks(layer)
        verdict = "passed" if outcome.passed else ("FAILED" if blocks else "warning")
        print(f"  check {outcome.check.name}: {verdict} ({outcome.summary})")
        blocked = blocked or (blocks and not outcome.passed)
    return blocked
