"""The same pipeline as many users would write it: pandas, eager, one table at a time.

    python pandas_pipeline.py DATA_DIR ROWS

Bronze draws the same random numbers as the example (same seeds, batch by batch), so
all three tables hold the same data as the Polars pipeline's; each is written to Delta
with deltalake.write_deltalake.
"""

import sys

import numpy as np
import pandas as pd
from core.bronze_example import (
    BATCH_ROWS,
    COUNTRIES,
    DATES,
    LIST_PRICES,
    PRODUCTS,
    STATUS_WEIGHTS,
    STATUSES,
)
from deltalake import DeltaTable, write_deltalake


def generate_orders(rows: int, seed: int, first_order: int, customers: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customer_id = rng.integers(1, customers, rows)
    day = rng.integers(0, len(DATES), rows)
    product = rng.integers(0, len(PRODUCTS), rows)
    quantity = rng.integers(1, 6, rows)
    country = rng.integers(0, len(COUNTRIES), rows)
    status = rng.choice(len(STATUSES), rows, p=STATUS_WEIGHTS)
    defect = rng.random(rows)
    orders = pd.DataFrame(
        {
            "order_id": "ORD-"
            + pd.Series(np.arange(first_order, first_order + rows)).astype(str).str.zfill(8),
            "customer_id": pd.Series(customer_id, dtype="Int64").mask(defect < 0.02),
            "order_date": np.where(
                (defect >= 0.02) & (defect < 0.03), "not a date", np.asarray(DATES)[day]
            ),
            "product": np.asarray(PRODUCTS)[product],
            "quantity": np.where((defect >= 0.03) & (defect < 0.05), -quantity, quantity),
            "unit_price": pd.Series(np.asarray(LIST_PRICES)[product]).mask(
                (defect >= 0.05) & (defect < 0.06)
            ),
            "country": np.asarray(COUNTRIES)[country],
            "status": np.asarray(STATUSES)[status],
        }
    )
    duplicates = rng.choice(rows, size=rows * 3 // 100, replace=False) if rows else []
    return pd.concat([orders, orders.iloc[duplicates]], ignore_index=True)


def bronze(rows: int, seed: int = 42) -> pd.DataFrame:
    customers = max(rows // 4, 2)
    batches = [
        generate_orders(min(BATCH_ROWS, rows - start), seed + batch, start, customers)
        for batch, start in enumerate(range(0, rows, BATCH_ROWS))
    ]
    return pd.concat(batches, ignore_index=True)


def silver(orders: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The valid orders, cleaned, and the rejected ones with their reason (as the example)."""
    dates = pd.to_datetime(orders["order_date"], format="%Y-%m-%d", errors="coerce")
    reason = pd.Series(
        np.select(
            [
                orders.duplicated(subset="order_id", keep="first"),
                orders["customer_id"].isna(),
                dates.isna(),
                orders["quantity"] < 1,
                orders["unit_price"].isna() | (orders["unit_price"] <= 0),
            ],
            [
                "duplicate order_id",
                "missing customer_id",
                "order_date is not a date",
                "quantity below 1",
                "missing unit_price",
            ],
            default="",
        ),
        index=orders.index,
    )
    rejected = orders[reason != ""].assign(rejected_reason=reason[reason != ""])
    kept = orders[reason == ""]
    kept = kept.assign(
        order_date=dates[reason == ""],
        country=kept["country"].str.strip().str.upper(),
        status=kept["status"].str.strip().str.lower(),
        amount=(kept["quantity"] * kept["unit_price"]).round(2),
    )
    columns = ["order_id", "customer_id", "order_date", "country", "product"]
    return kept[[*columns, "quantity", "unit_price", "amount", "status"]], rejected


def gold(orders: pd.DataFrame) -> pd.DataFrame:
    completed = orders["status"] == "completed"
    metrics = (
        orders.assign(
            completed=completed,
            cancelled=orders["status"] == "cancelled",
            completed_customer=orders["customer_id"].where(completed),
            completed_amount=orders["amount"].where(completed, 0.0),
        )
        .groupby(["order_date", "country"], sort=True)
        .agg(
            orders=("status", "size"),
            completed_orders=("completed", "sum"),
            cancelled_orders=("cancelled", "sum"),
            customers=("completed_customer", "nunique"),
            revenue=("completed_amount", "sum"),
        )
        .reset_index()
    )
    metrics["revenue"] = metrics["revenue"].round(2)
    average = (metrics["revenue"] / metrics["completed_orders"]).round(2)
    metrics["average_order_value"] = average.where(metrics["completed_orders"] > 0)
    return metrics


def main(data: str, rows: int) -> None:
    write_deltalake(f"{data}/bronze/example", bronze(rows), mode="overwrite")
    orders = DeltaTable(f"{data}/bronze/example").to_pandas()
    kept, rejected = silver(orders)
    write_deltalake(f"{data}/silver/example__rejected", rejected, mode="overwrite")
    write_deltalake(f"{data}/silver/example", kept, mode="overwrite")
    orders = DeltaTable(f"{data}/silver/example").to_pandas()
    write_deltalake(f"{data}/gold/example", gold(orders), mode="overwrite")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
