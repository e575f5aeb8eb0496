"""Silver lineitem of the bench's TPC-H medallion: amounts as numbers, flags trimmed."""

import polars as pl
from polster.contract.quality import in_range, not_null

CHECKS = [
    not_null("l_orderkey", "l_linenumber", "l_shipdate"),
    in_range("l_discount", low=0, high=0.1),
]


def transform(bronze_lineitem: pl.LazyFrame) -> pl.LazyFrame:
    """Decimal amounts as floats, the net price of each line, flags without blanks."""
    return bronze_lineitem.with_columns(
        pl.col("l_quantity", "l_extendedprice", "l_discount", "l_tax").cast(pl.Float64),
        pl.col("l_returnflag", "l_linestatus").str.strip_chars(),
    ).with_columns(
        (pl.col("l_extendedprice") * (1 - pl.col("l_discount"))).alias("l_net_price"),
    )


if __name__ == "__main__":
    from polster.core.standalone import main

    main(transform)
