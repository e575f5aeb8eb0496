"""Figure 8: one new day on a daily-partitioned table, as the table grows, against a rebuild.

bench/incremental_day.py runs inside a rendered project: it fills a partitioned table with
N days through the project's write path, times each new day written after them, and
rebuilds the N days as one overwrite. One new day should cost about the same whether the
table holds 10 days or 300 (the target: at most 1.5x).
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.process import measure
from bench.project import PYTHON, project_env

SCRIPT = Path(__file__).parent / "incremental_day.py"
DAYS = (10, 300)
ROWS_PER_DAY = 10_000
SMOKE_DAYS, SMOKE_ROWS = (2, 5), 100  # --repeat 1: the test suite's quick run


def incremental_figures(
    project: Path, work: Path, env: dict[str, str], repeat: int
) -> dict[str, object]:
    days, rows = (SMOKE_DAYS, SMOKE_ROWS) if repeat == 1 else (DAYS, ROWS_PER_DAY)
    new_days = max(repeat, 3)
    measured = []
    for count in days:
        data = work / f"days-{count}"
        command = [PYTHON, str(SCRIPT), str(data), str(count), str(rows), str(new_days)]
        sample = measure(command, project, project_env(project, env))
        measured.append(json.loads(sample.output.strip().splitlines()[-1]))
    small, large = measured[0], measured[-1]
    return {
        "rows_per_day": rows,
        "tables": measured,
        "one_day_large_vs_small": large["one_day_seconds"] / small["one_day_seconds"],
        "rebuild_vs_one_day": large["rebuild_seconds"] / large["one_day_seconds"],
    }
