"""Raw orders, as a source would send them."""

import polars as pl
from polster import not_null

CHECKS = [not_null("order_id")]


def extract() -> pl.DataFrame:
    """Six orders, one of them without a price."""
    return pl.DataFrame(
        {
            "order_id": ["A", "B", "C", "D", "E", "F"],
            "country": ["DE", "de ", "US", "US", "FR", "DE"],
            "quantity": [1, 2, 3, 1, 5, 2],
            "unit_price": [10.0, 5.0, None, 2.5, 1.0, 4.0],
        }
    )


if __name__ == "__main__":
    from polster import main

    main(extract)
