"""The peer: the example pipeline as DuckDB SQL, in one DuckDB database file.

    python duckdb_pipeline.py DATA_DIR

Bronze is the same generated raw orders (the example's own generator, batch by batch,
inserted as Arrow), silver the same rules (one copy of an order kept, its exact duplicates
rejected, then the first reason that applies), gold the same metrics (rounded half to
even, as Polars rounds); each table is checked with the same checks, as SQL counts, and a
failed check fails the script. The gold table is also written as a Delta table
(<data>/gold/example) so the bench can compare it with the pipeline's.
"""

import sys
from pathlib import Path

import duckdb
import polars as pl
from core import bronze_example
from polster.core.settings import get_settings

SILVER_TAGGED = """
CREATE TABLE silver_tagged AS
SELECT *, CASE
    WHEN row_number() OVER (PARTITION BY order_id) > 1 THEN 'duplicate order_id'
    WHEN customer_id IS NULL THEN 'missing customer_id'
    WHEN try_strptime(order_date, '%Y-%m-%d') IS NULL THEN 'order_date is not a date'
    WHEN quantity < 1 THEN 'quantity below 1'
    WHEN unit_price IS NULL OR unit_price <= 0 THEN 'missing unit_price'
END AS rejected_reason
FROM bronze
"""
SILVER = """
CREATE TABLE silver AS
SELECT
    order_id,
    customer_id,
    CAST(strptime(order_date, '%Y-%m-%d') AS DATE) AS order_date,
    upper(trim(country)) AS country,
    product,
    quantity,
    unit_price,
    round_even(quantity * unit_price, 2) AS amount,
    lower(trim(status)) AS status
FROM silver_tagged WHERE rejected_reason IS NULL
"""
GOLD = """
CREATE TABLE gold AS
SELECT
    order_date,
    country,
    count(*) AS orders,
    count(*) FILTER (status = 'completed') AS completed_orders,
    count(*) FILTER (status = 'cancelled') AS cancelled_orders,
    count(DISTINCT customer_id) FILTER (status = 'completed') AS customers,
    round_even(coalesce(sum(amount) FILTER (status = 'completed'), 0), 2) AS revenue,
    CASE WHEN count(*) FILTER (status = 'completed') > 0
        THEN round_even(coalesce(sum(amount) FILTER (status = 'completed'), 0)
            / count(*) FILTER (status = 'completed'), 2)
    END AS average_order_value
FROM silver GROUP BY order_date, country ORDER BY order_date, country
"""
COLUMNS = ", ".join(
    f"{name} {'BIGINT' if dtype == pl.Int64 else 'DOUBLE' if dtype == pl.Float64 else 'VARCHAR'}"
    for name, dtype in bronze_example.RAW_SCHEMA.items()
)
# The example's CHECKS, as counts of failing rows (0 passes).
CHECKS = {
    "bronze": [
        "SELECT (count(*) < 1)::INT FROM bronze",
        "SELECT count(*) FILTER (order_id IS NULL) FROM bronze",
    ],
    "silver": [
        "SELECT count(*) FILTER (order_id IS NULL OR customer_id IS NULL OR order_date IS NULL"
        " OR quantity IS NULL OR unit_price IS NULL) FROM silver",
        "SELECT count(*) - count(DISTINCT order_id) FROM silver",
        "SELECT count(*) FILTER (quantity < 1) FROM silver",
        "SELECT count(*) FILTER (status NOT IN ('completed', 'cancelled', 'pending')) FROM silver",
        "SELECT count(*) FILTER (abs(amount - quantity * unit_price) >= 0.01) FROM silver",
    ],
    "gold": [
        "SELECT (count(*) < 1)::INT FROM gold",
        "SELECT count(*) FILTER (order_date IS NULL OR country IS NULL) FROM gold",
        "SELECT count(*) - count(DISTINCT (order_date, country)) FROM gold",
        "SELECT count(*) FILTER (revenue < 0) FROM gold",
    ],
}


def check(database: duckdb.DuckDBPyConnection, layer: str) -> None:
    for query in CHECKS[layer]:
        (failing,) = database.execute(query).fetchone()
        if failing and layer != "bronze":  # bronze's checks warn, as in the pipeline
            sys.exit(f"{layer}: {failing} rows fail {query}")


def main(data: str) -> None:
    Path(data).mkdir(parents=True, exist_ok=True)
    database = duckdb.connect(f"{data}/pipeline.duckdb")
    database.execute(f"CREATE TABLE bronze ({COLUMNS})")
    for frame in bronze_example.scan_orders(get_settings().example_rows).collect_batches():
        # Plain Arrow strings: DuckDB reads them about 5x faster than Polars' string views.
        batch = frame.to_arrow(compat_level=pl.CompatLevel.oldest())  # noqa: F841 (read by name)
        database.execute("INSERT INTO bronze SELECT * FROM batch")
    check(database, "bronze")
    database.execute(SILVER_TAGGED)
    database.execute(
        "CREATE TABLE silver_rejected AS FROM silver_tagged WHERE rejected_reason IS NOT NULL"
    )
    database.execute(SILVER)
    database.execute("DROP TABLE silver_tagged")
    check(database, "silver")
    database.execute(GOLD)
    check(database, "gold")
    database.table("gold").pl().write_delta(f"{data}/gold/example", mode="overwrite")
    database.close()


if __name__ == "__main__":
    main(sys.argv[1])
