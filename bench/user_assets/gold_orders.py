"""Gold orders of the bench's CSV-to-gold pipeline: revenue per day and product."""

import polars as pl
from polster.contract.quality import min_rows, unique

CHECKS = [min_rows(1), unique("ordered_at", "product")]


def aggregate(silver_orders: pl.LazyFrame) -> pl.LazyFrame:
    """Orders, customers and revenue per day and product."""
    return silver_orders.group_by("ordered_at", "product").agg(
        pl.len().alias("orders"),
        pl.col("customer").n_unique().alias("customers"),
        pl.col("amount").sum().round(2).alias("revenue"),
    )


if __name__ == "__main__":
    from polster.core.standalone import main

    main(aggregate)
