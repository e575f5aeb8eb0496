"""Silver orders of the bench's CSV-to-gold pipeline: typed, with an amount."""

import polars as pl
from polster.contract.quality import in_range, not_null

CHECKS = [not_null("order_id", "quantity", "ordered_at"), in_range("quantity", low=1)]


def transform(bronze_orders: pl.LazyFrame) -> pl.LazyFrame:
    """The landed text columns as numbers and dates."""
    return bronze_orders.select(
        pl.col("order_id").cast(pl.Int64),
        pl.col("customer").cast(pl.Int64),
        pl.col("product").fill_null("unknown"),
        pl.col("quantity").cast(pl.Int64),
        pl.col("unit_price").cast(pl.Float64),
        pl.col("ordered_at").str.to_date("%Y-%m-%d"),
    ).with_columns((pl.col("quantity") * pl.col("unit_price")).round(2).alias("amount"))


if __name__ == "__main__":
    from polster.core.standalone import main

    main(transform)
