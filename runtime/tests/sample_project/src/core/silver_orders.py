"""Orders with a price and an amount; the others quarantined."""

import polars as pl
from polster import Quarantined, not_null, quarantine, unique

CHECKS = [not_null("unit_price"), unique("order_id")]


def transform(bronze_orders: pl.LazyFrame) -> Quarantined:
    """Priced orders with a clean country and their amount."""
    orders = quarantine(bronze_orders, {"missing unit_price": pl.col("unit_price").is_null()})
    kept = orders.kept.with_columns(
        pl.col("country").str.strip_chars().str.to_uppercase(),
        (pl.col("quantity") * pl.col("unit_price")).alias("amount"),
    )
    return Quarantined(kept=kept, rejected=orders.rejected)


if __name__ == "__main__":
    from polster import main

    main(transform)
