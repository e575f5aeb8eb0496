"""Figure 6: a user-built pipeline, CSV -> bronze -> silver -> gold, against its plain script.

The project is rendered without the examples; bronze_orders is `add-asset --template csv`,
silver_orders and gold_orders are added with `add-asset` and given the functions in
bench/user_assets/. `run_polster.py` materializes the three; the floor
(floors/csv_to_gold.py) calls the same functions from one plain Polars script.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from bench.ingest import write_csv
from bench.pipelines import interleaved
from bench.process import BenchError
from bench.project import PYTHON, add_assets

ASSETS = Path(__file__).parent / "user_assets"
FLOOR = Path(__file__).parent / "floors" / "csv_to_gold.py"
NEW_ASSETS = (
    ("bronze", "orders", "--template", "csv"),
    ("silver", "orders", "--dependencies", "bronze_orders"),
    ("gold", "orders", "--dependencies", "silver_orders"),
)


def csv_to_gold_figures(
    project: Path, work: Path, env: dict[str, str], size_mib: float, repeat: int
) -> dict[str, object]:
    add_assets(project, env, NEW_ASSETS, ASSETS)
    csv_file = project / "landing" / "orders" / "orders.csv"
    rows = write_csv(csv_file, size_mib, seed=11)
    commands = {
        "run_polster": lambda data: [PYTHON, "run_polster.py"],
        "plain_polars": lambda data: [PYTHON, str(FLOOR), str(csv_file), str(data)],
    }
    try:
        samples = interleaved(commands, project, work, env, repeat, keep_last=True)
    finally:
        csv_file.unlink()
    last = repeat - 1
    gold = [
        pl.read_delta(str(work / f"{name}-{last}" / "gold" / "orders"))
        .sort("ordered_at", "product")
        .select("ordered_at", "product", "orders", "customers", "revenue")
        for name in commands
    ]
    try:
        assert_frame_equal(*gold, check_dtypes=False, check_exact=False, rel_tol=1e-9)
    except AssertionError as error:
        msg = f"bench: the CSV-to-gold pipeline and its plain script disagree: {error}"
        raise BenchError(msg) from None
    shutil.rmtree(work, ignore_errors=True)
    return {"rows": rows, "csv_mib": round(size_mib, 1), "samples": samples}
