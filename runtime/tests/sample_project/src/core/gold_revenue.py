"""Revenue per country."""

import polars as pl
from polster import min_rows

CHECKS = [min_rows(1)]


def aggregate(silver_orders: pl.LazyFrame) -> pl.LazyFrame:
    """The sum of the amounts of each country."""
    return (
        silver_orders.group_by("country")
        .agg(pl.col("amount").sum().alias("revenue"))
        .sort("country")
    )


if __name__ == "__main__":
    from polster import main

    main(aggregate)
