"""Figure 5: the CSV template ingesting one large CSV file, against plain Polars.

The CSV template's module (`add-asset --template csv`) runs as a user runs it,
`python src/core/bronze_orders.py`: it lists the landing folder, reads the file with every
column as text, adds the columns that say where each row came from, and writes one Delta
commit that records the file. The floor is `pl.scan_csv(...).sink_parquet(...)`.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl

from bench.process import BenchError, Sample, measure
from bench.project import PYTHON, project_env

FLOOR = Path(__file__).parent / "floors" / "csv_sink_parquet.py"
BATCH_ROWS = 500_000
MIB = 1024 * 1024


def write_csv(path: Path, size_mib: float, seed: int = 7) -> int:
    """A CSV of about `size_mib` MiB (quoted text with commas, nulls, numbers); its rows."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    # About 50 bytes a row: small files are written in one small batch.
    batch_rows = int(min(BATCH_ROWS, max(1_000, size_mib * MIB / 50)))
    rows = 0
    with path.open("wb") as handle:
        while rows == 0 or path.stat().st_size < size_mib * MIB:
            batch = pl.DataFrame(
                {
                    "order_id": np.arange(rows, rows + batch_rows),
                    "customer": rng.integers(1, 100_000, batch_rows),
                    "product": rng.choice(["Desk, oak", "Chair", 'Lamp "LED"', ""], batch_rows),
                    "quantity": rng.integers(1, 9, batch_rows),
                    "unit_price": rng.random(batch_rows).round(4) * 500,
                    "ordered_at": rng.choice(
                        ["2024-01-01", "2024-02-29", "2024-12-31"], batch_rows
                    ),
                }
            ).with_columns(pl.col("product").replace("", None))
            batch.write_csv(handle, include_header=rows == 0)
            handle.flush()
            rows += batch_rows
    return rows


def ingest_figures(
    project: Path, work: Path, env: dict[str, str], size_mib: float, repeat: int
) -> dict[str, object]:
    """The CSV template and the plain-Polars floor on the same file, run after run."""
    add_asset = [PYTHON, "-m", "polster", "add-asset", "--layer", "bronze", "--name", "orders"]
    subprocess.run(
        [*add_asset, "--template", "csv"],
        cwd=project,
        env=project_env(project, env),
        check=True,
        capture_output=True,
    )
    csv_file = project / "landing" / "orders" / "orders.csv"
    rows = write_csv(csv_file, size_mib)
    csv_mib = csv_file.stat().st_size / MIB
    samples: dict[str, list[Sample]] = {"csv_template": [], "scan_csv_sink_parquet": []}
    try:
        for run in range(repeat):
            data = work / f"template-{run}"
            run_env = project_env(project, env, POLSTER_DATA_DIR=str(data))
            command = [PYTHON, "src/core/bronze_orders.py"]
            samples["csv_template"].append(measure(command, project, run_env))
            table = pl.scan_delta(str(data / "bronze" / "orders"))
            written = table.select(pl.len()).collect().item()
            shutil.rmtree(data)
            floor = work / f"floor-{run}.parquet"
            command = [PYTHON, str(FLOOR), str(csv_file), str(floor)]
            samples["scan_csv_sink_parquet"].append(measure(command, project, env))
            floor_rows = pl.scan_parquet(floor).select(pl.len()).collect().item()
            floor.unlink()
            if written != rows or floor_rows != rows:
                msg = f"bench: ingest wrote {written:,} and {floor_rows:,} rows of {rows:,}"
                raise BenchError(msg)
    finally:
        csv_file.unlink()
    return {"rows": rows, "csv_mib": round(csv_mib, 1), "samples": samples}
