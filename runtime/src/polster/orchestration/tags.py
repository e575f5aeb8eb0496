"""The tags Polster puts on Dagster runs: one home, read by the runner, sensors and alerts."""

ENVIRONMENT_TAG = "polster/env"  # on every run: the environment (POLSTER_ENV) it ran in
# On runs started by run_polster.py: the process and machine running them, so that a run
# whose process died can be told from one still running.
PID_TAG = "polster/pid"
HOST_TAG = "polster/host"
