"""Time one new day on a daily-partitioned table holding N days, and a rebuild of N days.

    python incremental_day.py DATA_DIR DAYS ROWS_PER_DAY REPEAT

Run inside a rendered project (PYTHONPATH=src): both go through the project's own write
path (polster.core.storage: write, audit, publish). The partitioned table is filled with DAYS
daily partitions first; then each of REPEAT new days is written and timed on its own, and
the same DAYS days are rebuilt as one unpartitioned overwrite. Prints the figures as JSON.
"""

import json
import statistics
import sys
import time
from datetime import date, timedelta

import polars as pl
from polster.core.storage import TableStore

FIRST_DAY = date(2024, 1, 1)


def day_rows(day: date, rows: int) -> pl.DataFrame:
    """A day's events: the same rows for the same day, whoever asks."""
    offset = (day - FIRST_DAY).days * rows
    return pl.DataFrame(
        {
            "event_id": pl.int_range(offset, offset + rows, eager=True),
            "customer": pl.int_range(0, rows, eager=True) % 997,
            "amount": (pl.int_range(0, rows, eager=True) * 7 + offset) % 1000 / 10,
        }
    )


def main(data: str, days: int, rows: int, repeat: int) -> None:
    store = TableStore(root=data)
    all_days = [FIRST_DAY + timedelta(days=number) for number in range(days + repeat)]
    for day in all_days[:days]:
        store.write("bronze_events", day_rows(day, rows), partition=day)
    one_day = []
    for day in all_days[days:]:
        started = time.perf_counter()
        store.write("bronze_events", day_rows(day, rows), partition=day)
        one_day.append(time.perf_counter() - started)
    history = pl.concat([day_rows(day, rows) for day in all_days[:days]])
    started = time.perf_counter()
    store.write("bronze_rebuilt", history)
    rebuild = time.perf_counter() - started
    figures = {
        "days": days,
        "rows_per_day": rows,
        "one_day_seconds": statistics.median(one_day),
        "one_day_runs": [round(seconds, 4) for seconds in one_day],
        "rebuild_seconds": rebuild,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
