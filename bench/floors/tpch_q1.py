"""The floor of the TPC-H Q1 medallion: its three functions as one plain Polars script.

    python tpch_q1.py DATA_DIR

Calls the project's own bronze, silver and gold functions, writes each table with
`sink_delta` and runs its CHECKS on what it wrote; no Dagster, no run metadata.
"""

import sys

import polars as pl
from core import bronze_lineitem, gold_pricing_summary, silver_lineitem
from polster.contract.quality import evaluate


def write(frame: pl.LazyFrame, table: str, checks: list) -> pl.LazyFrame:
    frame.sink_delta(table, mode="overwrite")
    written = pl.scan_delta(table)
    evaluate(written, checks)
    return written


def main(data: str) -> None:
    bronze = write(bronze_lineitem.extract(), f"{data}/bronze/lineitem", bronze_lineitem.CHECKS)
    silver = write(
        silver_lineitem.transform(bronze), f"{data}/silver/lineitem", silver_lineitem.CHECKS
    )
    gold = gold_pricing_summary.aggregate(silver)
    write(gold, f"{data}/gold/pricing_summary", gold_pricing_summary.CHECKS)


if __name__ == "__main__":
    main(sys.argv[1])
