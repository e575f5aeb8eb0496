"""Ctrl-C and SIGTERM during a run (real signals, to a real run_polster.py process): the
run stops, publishes nothing half-done, says `Interrupted.` with what was published, and
exits 130 (SIGINT) or 143 (SIGTERM)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run
from deltalake import DeltaTable

SIGNAL_AT = Path(__file__).parent / "signal_at.py"


@pytest.mark.parametrize(("signal", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_during_a_write_stops_the_run_and_publishes_nothing_more(project, signal, code):
    done = run([sys.executable, str(SIGNAL_AT), "silver_orders:after-files", signal], project)

    assert done.returncode == code, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("Interrupted: published bronze_orders; not published: silver_orders")
    assert "Traceback" not in done.stderr
    assert "DagsterExecutionInterruptedError" not in done.stdout + done.stderr
    assert DeltaTable(str(project / "data/bronze/orders")).version() == 0
    assert not (project / "data/silver/orders").exists()  # nothing of it was committed
    assert not (project / "data/gold/revenue").exists()


# silver_orders, in its step's own process: kills the run's process (as `kill -9` would),
# notes its pid, waits, then returns rows a surviving step would commit.
PARENT_KILLER = """
import os, signal, time
from pathlib import Path

import polars as pl
from polster import Quarantined


def transform(bronze_orders: pl.LazyFrame) -> Quarantined:
    Path("step.pid").write_text(str(os.getpid()))
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(4)
    return Quarantined(kept=bronze_orders, rejected=bronze_orders.clear())
"""


def test_a_step_process_dies_with_its_killed_multiprocess_run(project):
    """With --executor multiprocess each step runs in a process of its own: when the run's
    process is killed, its step processes die too, and commit nothing afterwards."""
    (project / "src/core/silver_orders.py").write_text(PARENT_KILLER)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("POLSTER_")}
    environment.pop("DAGSTER_HOME", None)
    command = [sys.executable, "run_polster.py", "--executor", "multiprocess"]
    killed = subprocess.run(command, cwd=project, env=environment, capture_output=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    step = int((project / "step.pid").read_text())
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and running(step):
        time.sleep(0.2)
    time.sleep(1)  # what it would have committed, it would have by now
    assert not running(step), f"step process {step} outlived its run"
    assert not (project / "data/silver/orders").exists()  # nothing committed after the kill


def running(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, dead but not reaped yet, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"
