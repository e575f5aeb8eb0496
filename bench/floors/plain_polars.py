"""The floor: the example's own core functions as one plain Polars script, no Dagster.

    python plain_polars.py DATA_DIR

Reads and writes the same Delta tables as the pipeline (<data>/<layer>/example, and the
rows silver rejects in silver/example__rejected), lazily and streaming, without checks,
run metadata, row counts or previews.
"""

import sys

import polars as pl
from core.bronze_example import extract
from core.gold_example import aggregate
from core.silver_example import transform


def main(data: str) -> None:
    extract().sink_delta(f"{data}/bronze/example", mode="overwrite")
    bronze = pl.scan_delta(f"{data}/bronze/example")
    silver = transform(bronze)
    silver.rejected.sink_delta(f"{data}/silver/example__rejected", mode="overwrite")
    silver.kept.sink_delta(f"{data}/silver/example", mode="overwrite")
    silver = pl.scan_delta(f"{data}/silver/example")
    aggregate(silver).sink_delta(f"{data}/gold/example", mode="overwrite")


if __name__ == "__main__":
    main(sys.argv[1])
