"""Run one core module on its own, without Dagster.

`python src/core/silver_example.py` reads the module's upstream tables, runs its
compute function and publishes its table, through the same path as Dagster
(polster.core.materialize: audited before it is published). A partitioned asset writes the
partition given as `--partition 2024-01-03`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from polster.contract.declaration import asset_key_of, partitioning_of
from polster.contract.errors import PolsterError
from polster.contract.failures import REPORT, describe
from polster.contract.layers import split_key
from polster.contract.partitions import parse_key
from polster.contract.quality import CheckOutcome
from polster.core.exits import report_error, report_interrupted
from polster.core.materialize import materialize
from polster.core.paths import project_root
from polster.core.storage import AuditError, Output, TableStore, WrittenTable, default_store


def run(
    compute: Callable[..., Output], store: TableStore | None = None, partition: date | None = None
) -> WrittenTable:
    """Materialize the asset that `compute` declares (its `partition`, if partitioned) and
    return what was written."""
    return materialize(compute, store or default_store(), partition=partition)


def partition_argument(compute: Callable[..., Output], arguments: list[str]) -> date | None:
    """The partition `--partition KEY` names, checked against the module's PARTITIONS."""
    if "--partition" not in arguments:
        return None
    index = arguments.index("--partition") + 1
    key = asset_key_of(compute)
    if index >= len(arguments):
        msg = "--partition needs a partition, e.g. --partition 2024-01-03"
        raise PolsterError(msg)
    partitioning = partitioning_of(compute)
    if partitioning is None:
        msg = f"--partition: {key} is not partitioned (its module declares no PARTITIONS)"
        raise PolsterError(msg)
    return parse_key(partitioning, arguments[index], datetime.now(UTC).date(), key)


def main(compute: Callable[..., Output], argv: Sequence[str] | None = None) -> None:
    """Command-line entry point of a core module: run it, report, exit 1 on error.

    The module's CHECKS run on the rows before they are published; a failed blocking one
    publishes nothing and exits 1. Every error is one line; --verbose adds its traceback.
    """
    arguments = sys.argv[1:] if argv is None else list(argv)
    verbose = "--verbose" in arguments
    key = asset_key_of(compute)
    try:
        written = run(compute, partition=partition_argument(compute, arguments))
    except AuditError as failed:
        report_checks(key, failed.outcomes)
        raise SystemExit(report_error(failed, verbose)) from None
    except PolsterError as error:
        raise SystemExit(report_error(error, verbose)) from None
    except KeyboardInterrupt:
        raise SystemExit(report_interrupted()) from None
    except Exception as error:  # the asset's own code failed: say where, in one line
        described = describe(error, project_root())
        message = f"{key} failed at {described}"
        if not described.endswith(f"({REPORT})"):  # which says to use --verbose already
            message += ". Run again with --verbose for the traceback"
        raise SystemExit(report_error(error, verbose, message)) from None
    if written.ingested == ():
        print(
            f"{written.key}: no new or changed files; the table stays at Delta version "
            f"{written.version} ({written.row_count:,} rows)"
        )
    else:
        partition = f" (partition {written.partition})" if written.partition else ""
        rows = written.row_count if written.rows_written is None else written.rows_written
        table = f"; the table has {written.row_count:,}" if rows != written.row_count else ""
        print(
            f"{written.key}{partition}: wrote {rows:,} rows to {written.uri} "
            f"(Delta version {written.version}{table})"
        )
    if written.rejected is not None:
        print(f"  rejected {written.rejected.row_count:,} rows to {written.rejected.uri}")
    if written.ingested:
        print(f"  ingested {len(written.ingested)} new or changed file(s)")
        for file in written.ingested:
            print(f"    {file.path}")
    if written.sample_uri:
        print(f"  local sample: {written.sample_uri}")
    for note in written.notes:
        print(f"  note: {note}")
    report_checks(written.key, written.outcomes)


def report_checks(key: str, outcomes: Sequence[CheckOutcome]) -> bool:
    """Print one line per check; True when a blocking check failed."""
    layer, _ = split_key(key)
    blocked = False
    for outcome in outcomes:
        blocks = outcome.check.blocks(layer)
        verdict = "passed" if outcome.passed else ("FAILED" if blocks else "warning")
        print(f"  check {outcome.check.name}: {verdict} ({outcome.summary})")
        blocked = blocked or (blocks and not outcome.passed)
    return blocked
