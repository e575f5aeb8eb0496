"""Figures 3 and 4: the example pipeline against plain Polars, DuckDB SQL, pandas and an
I/O floor (and once more at a large size); the fixed cost of `run_polster.py` against the
plain script and a bare `dagster.materialize`, and the start-up of the commands that only
read (`--status`, `polster validate`, `polster list-assets`, loading the definitions)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from bench.process import BenchError, Sample, measure, summary
from bench.project import PYTHON, project_env

FLOORS = Path(__file__).parent / "floors"
OVERHEAD_ROWS = 1_000  # the example's default size: data work is negligible there
OVERHEAD_REPEAT = 7
# pandas holds every table whole (about 5 GiB at 10M rows): above this it is not run.
PANDAS_MAX_ROWS = 10_000_000
Command = Callable[[Path], list[str]]


def pipeline_commands(rows: int, reference: Path) -> dict[str, Command]:
    """Each variant's command, given the data folder that run writes to."""
    commands: dict[str, Command] = {
        "run_polster": lambda data: [PYTHON, "run_polster.py"],
        "plain_polars": lambda data: [PYTHON, str(FLOORS / "plain_polars.py"), str(data)],
        "duckdb": lambda data: [PYTHON, str(FLOORS / "duckdb_pipeline.py"), str(data)],
        "pandas": lambda data: [PYTHON, str(FLOORS / "pandas_pipeline.py"), str(data), str(rows)],
        "io_floor": lambda data: [
            PYTHON,
            str(FLOORS / "io_floor.py"),
            str(reference / "bronze" / "example"),
            str(data),
        ],
    }
    if rows > PANDAS_MAX_ROWS:
        del commands["pandas"]
    return commands


def overhead_commands() -> dict[str, Command]:
    return {
        "run_polster": lambda data: [PYTHON, "run_polster.py"],
        "plain_polars": lambda data: [PYTHON, str(FLOORS / "plain_polars.py"), str(data)],
        "bare_materialize": lambda data: [PYTHON, str(FLOORS / "bare_materialize.py"), str(data)],
        "dagster_alone": lambda data: [PYTHON, str(FLOORS / "dagster_alone.py")],
    }


# Variants of the large run; a floor may run out of memory there (and is then reported so).
LARGE_VARIANTS = ("run_polster", "plain_polars", "duckdb")


def large_figures(project: Path, work: Path, env: dict[str, str], rows: int) -> dict[str, object]:
    """The example once at `rows` (minutes a run): Polster, the plain script and DuckDB."""
    env = {**env, "POLSTER_EXAMPLE_ROWS": str(rows)}
    commands = pipeline_commands(rows, work / "reference")
    variants: dict[str, dict] = {}
    for name in LARGE_VARIANTS:
        data = work / name
        run_env = project_env(project, env, POLSTER_DATA_DIR=str(data))
        try:
            variants[name] = summary([measure(commands[name](data), project, run_env)])
        except BenchError as error:
            if name == "run_polster":
                raise
            variants[name] = {"failed": str(error).splitlines()[0]}
        if name != "run_polster":
            shutil.rmtree(data, ignore_errors=True)  # run_polster's is compared, then removed
        else:
            size_command = [PYTHON, str(FLOORS / "table_size.py"), str(data / "bronze" / "example")]
            bronze = json.loads(measure(size_command, project, project_env(project, env)).output)
    shutil.rmtree(work, ignore_errors=True)
    return {"rows": rows, "bronze_rows": bronze["rows"], "variants": variants}


def interleaved(
    commands: dict[str, Command],
    project: Path,
    work: Path,
    env: dict[str, str],
    repeat: int,
    keep_last: bool = False,
) -> dict[str, list[Sample]]:
    """Run every command once per round, so that a busy moment hits all of them alike."""
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for run in range(repeat):
        for name, command in commands.items():
            data = work / f"{name}-{run}"
            run_env = project_env(project, env, POLSTER_DATA_DIR=str(data))
            samples[name].append(measure(command(data), project, run_env))
            if not (keep_last and run == repeat - 1):
                shutil.rmtree(data, ignore_errors=True)
    return samples


def pipeline_figures(
    project: Path, work: Path, env: dict[str, str], rows: int, repeat: int
) -> dict[str, object]:
    """Every variant at `rows` bronze orders, the bronze table's size, and a result check."""
    env = {**env, "POLSTER_EXAMPLE_ROWS": str(rows)}
    reference = work / "reference"
    # Untimed: the bronze table that the I/O floor reads and whose size is reported.
    plain = [PYTHON, str(FLOORS / "plain_polars.py"), str(reference)]
    measure(plain, project, project_env(project, env))
    size_command = [PYTHON, str(FLOORS / "table_size.py"), str(reference / "bronze" / "example")]
    bronze = json.loads(measure(size_command, project, project_env(project, env)).output)
    commands = pipeline_commands(rows, reference)
    samples = interleaved(commands, project, work, env, repeat, keep_last=True)
    last = repeat - 1
    gold = {name: work / f"{name}-{last}" / "gold" / "example" for name in commands}
    same = all(
        same_gold(gold["run_polster"], gold[other])
        for other in ("plain_polars", "duckdb", "pandas")
        if other in gold
    )
    shutil.rmtree(work, ignore_errors=True)
    return {"bronze": bronze, "samples": samples, "same_gold": same}


def overhead_figures(
    project: Path, work: Path, env: dict[str, str], repeat: int
) -> tuple[dict[str, list[Sample]], Path]:
    """`run_polster.py`, the plain script and a bare `materialize` at the example's default
    size; the data folder of the last `run_polster.py` run is kept (and returned) for the
    commands that only read.

    A few seconds a run, and a difference of about one: more runs for a steadier median.
    """
    repeat = max(repeat, OVERHEAD_REPEAT) if repeat > 1 else 1
    env = {**env, "POLSTER_EXAMPLE_ROWS": str(OVERHEAD_ROWS)}
    samples = interleaved(overhead_commands(), project, work, env, repeat, keep_last=True)
    return samples, work / f"run_polster-{repeat - 1}"


def read_only_figures(
    project: Path, data: Path, env: dict[str, str], repeat: int
) -> dict[str, list[Sample]]:
    """The start-up of the commands that only read, after the recorded run that wrote `data`."""
    env = {**env, "POLSTER_EXAMPLE_ROWS": str(OVERHEAD_ROWS)}
    run_env = project_env(project, env, POLSTER_DATA_DIR=str(data))
    commands = {
        "status": [PYTHON, "run_polster.py", "--status"],
        "validate": [PYTHON, "-m", "polster", "validate"],
        "list_assets": [PYTHON, "-m", "polster", "list-assets"],
        # What `dg check defs`, the UI and the daemon pay before anything else.
        "definitions": [PYTHON, "-c", "from orchestration.definitions import defs; defs()"],
    }
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(max(repeat, OVERHEAD_REPEAT) if repeat > 1 else 1):
        for name, command in commands.items():
            samples[name].append(measure(command, project, run_env))
    samples["validate_without_dagster"] = [before_dagster(s) for s in samples["validate"]]
    return samples


# The line `polster validate` prints when its last step, the Dagster load, is done.
DAGSTER_STEP = re.compile(r"^Dagster definitions\b.*\((\d+(?:\.\d+)?)s\)$", re.MULTILINE)


def before_dagster(validate: Sample) -> Sample:
    """`polster validate` without its Dagster step: the whole run less the time that step
    printed (the steps run in order, Dagster's last)."""
    step = DAGSTER_STEP.search(validate.output)
    if step is None:
        msg = f"bench: `polster validate` printed no Dagster step:\n{validate.output[-2000:]}"
        raise BenchError(msg)
    return Sample(validate.seconds - float(step[1]), validate.peak_rss_mib)


def warm_up(project: Path, work: Path, env: dict[str, str]) -> None:
    """One untimed run of everything: bytecode compiled, Dagster's database created."""
    pipeline_figures(project, work / "pipeline", env, OVERHEAD_ROWS, repeat=1)
    overhead_figures(project, work / "overhead", env, repeat=1)


def same_gold(left: Path, right: Path) -> bool:
    """Whether two gold tables hold the same metrics, whatever their row order and types."""
    frames = [
        pl.read_delta(str(table))
        .with_columns(
            pl.col("order_date").cast(pl.Date),
            pl.col("orders", "completed_orders", "cancelled_orders", "customers").cast(pl.Int64),
        )
        .sort("order_date", "country")
        for table in (left, right)
    ]
    try:
        assert_frame_equal(*frames, check_exact=False, rel_tol=1e-9)
    except AssertionError:
        return False
    return True
