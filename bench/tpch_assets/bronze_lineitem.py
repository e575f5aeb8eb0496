"""Bronze lineitem of the bench's TPC-H medallion: the generated table, as it lands."""

import os

import polars as pl
from polster.contract.quality import min_rows

CHECKS = [min_rows(1)]


def extract() -> pl.LazyFrame:
    """TPC-H's lineitem, from the Parquet file tpchgen-cli wrote."""
    return pl.scan_parquet(os.environ["BENCH_TPCH_LINEITEM"])


if __name__ == "__main__":
    from polster.core.standalone import main

    main(extract)
