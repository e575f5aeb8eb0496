"""Ctrl-C and SIGTERM during a run (real signals, to a real run_polster.py process): the
run stops, publishes nothing half-done, says `Interrupted.` with what was published, and
exits 130 (SIGINT) or 143 (SIGTERM)."""

import sys
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
