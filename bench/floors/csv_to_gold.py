"""The floor of the CSV-to-gold pipeline: its three functions as one plain Polars script.

    python plain_script.py CSV_FILE DATA_DIR

Reads the CSV as the CSV template does (every column as text), then calls the project's
own silver and gold functions and runs their CHECKS on what it wrote; no Dagster, no
landing bookkeeping, no run metadata.
"""

import sys

import polars as pl
from core import gold_orders, silver_orders
from polster.contract.quality import evaluate


def write(frame: pl.LazyFrame, table: str, checks: list) -> pl.LazyFrame:
    frame.sink_delta(table, mode="overwrite")
    written = pl.scan_delta(table)
    evaluate(written, checks)
    return written


def main(csv_file: str, data: str) -> None:
    bronze = write(pl.scan_csv(csv_file, infer_schema=False), f"{data}/bronze/orders", [])
    silver = write(silver_orders.transform(bronze), f"{data}/silver/orders", silver_orders.CHECKS)
    write(gold_orders.aggregate(silver), f"{data}/gold/orders", gold_orders.CHECKS)


if __name__ == "__main__":
    main(*sys.argv[1:3])
