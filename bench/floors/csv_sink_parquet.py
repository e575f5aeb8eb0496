"""The floor of CSV ingestion: one lazy scan streamed to one Parquet file, nothing else.

python csv_sink_parquet.py CSV_FILE PARQUET_FILE
"""

import sys

import polars as pl

if __name__ == "__main__":
    pl.scan_csv(sys.argv[1]).sink_parquet(sys.argv[2])
