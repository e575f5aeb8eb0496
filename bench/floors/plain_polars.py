"""The floor: the example's own core functions as one plain Polars script, no Dagster.

    python plain_polars.py DATA_DIR

Reads and writes the same Delta tables as the pipeline (<data>/<layer>/example, and the
rows silver rejects in silver/example__rejected), lazily and streaming, and runs each
module's CHECKS on the table it wrote (polster.contract.quality is plain Polars), as the pipeline
does; without Dagster, run metadata, row counts, previews or a run summary.
"""

import sys

import polars as pl
from core import bronze_example, gold_example, silver_example
from polster.contract.quality import evaluate


def write_and_check(frame: pl.LazyFrame, table: str, checks: list) -> pl.LazyFrame:
    frame.sink_delta(table, mode="overwrite")
    written = pl.scan_delta(table)
    evaluate(written, checks)
    return written


def main(data: str) -> None:
    bronze = write_and_check(
        bronze_example.extract(), f"{data}/bronze/example", bronze_example.CHECKS
    )
    silver = silver_example.transform(bronze)
    silver.rejected.sink_delta(f"{data}/silver/example__rejected", mode="overwrite")
    kept = write_and_check(silver.kept, f"{data}/silver/example", silver_example.CHECKS)
    write_and_check(gold_example.aggregate(kept), f"{data}/gold/example", gold_example.CHECKS)


if __name__ == "__main__":
    main(sys.argv[1])
