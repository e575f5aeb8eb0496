"""Gold pricing summary of the bench's TPC-H medallion: TPC-H query 1."""

from datetime import date

import polars as pl
from polster.contract.quality import min_rows, unique

CHECKS = [min_rows(1), unique("l_returnflag", "l_linestatus")]


def aggregate(silver_lineitem: pl.LazyFrame) -> pl.LazyFrame:
    """Q1: quantities, prices and discounts per return flag and line status."""
    return (
        silver_lineitem.filter(pl.col("l_shipdate") <= date(1998, 9, 2))
        .group_by("l_returnflag", "l_linestatus")
        .agg(
            pl.col("l_quantity").sum().alias("sum_qty"),
            pl.col("l_extendedprice").sum().alias("sum_base_price"),
            pl.col("l_net_price").sum().alias("sum_disc_price"),
            (pl.col("l_net_price") * (1 + pl.col("l_tax"))).sum().alias("sum_charge"),
            pl.col("l_quantity").mean().alias("avg_qty"),
            pl.col("l_extendedprice").mean().alias("avg_price"),
            pl.col("l_discount").mean().alias("avg_disc"),
            pl.len().alias("count_order"),
        )
    )


if __name__ == "__main__":
    from polster.core.standalone import main

    main(aggregate)
