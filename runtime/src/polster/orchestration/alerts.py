"""Failure alerts from Dagster: what a failed run's events say, and the run-failure sensor.

A run `run_polster.py` started is reported by run_polster.py itself (no daemon needed,
e.g. from cron); every other failed run (launched from the UI, by a schedule or a sensor)
by the `polster_failure_alert` sensor, which the daemon (`dagster dev` runs one) ticks.
Both build the message from the run's events with `alert_of_run`, and send it through
polster.core.alerts: one message per failed run, the same shape from both paths.
"""

from __future__ import annotations

import dagster as dg

from polster.contract.failures import first_line
from polster.core.alerts import Alert, run_url, send
from polster.core.settings import Settings, project_name
from polster.orchestration.tags import ENVIRONMENT_TAG, PID_TAG

SENSOR_NAME = "polster_failure_alert"


def alert_of_run(instance: dg.DagsterInstance, run_id: str, settings: Settings) -> Alert:
    """The alert for the failed run `run_id`: its failed assets and blocking checks, and
    the first line of its first error, from the events the instance recorded."""
    kinds = {
        dg.DagsterEventType.STEP_FAILURE,
        dg.DagsterEventType.ASSET_CHECK_EVALUATION,
        dg.DagsterEventType.RUN_FAILURE,
    }
    failed: list[str] = []
    checks: list[str] = []
    errors: list[str] = []
    for entry in instance.all_logs(run_id, of_type=kinds):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_FAILURE:
            failed.append(event.step_key or "?")
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause  # the innermost error: the one the project raised
            if error is not None:
                errors.append(first_line(error.message))
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            blocking = evaluation.severity == dg.AssetCheckSeverity.ERROR
            if not evaluation.passed and blocking:
                asset = evaluation.asset_key.to_user_string()
                checks.append(f"{asset}: check {evaluation.check_name}")
        elif event.message:
            errors.append(first_line(event.message))
    run = instance.get_run_by_id(run_id)
    environment = (run.tags.get(ENVIRONMENT_TAG) if run else None) or settings.environment
    return Alert(
        project=project_name(),
        environment=environment,
        run_id=run_id,
        failed=tuple(dict.fromkeys([*failed, *checks])),  # assets first, then checks
        error=errors[0] if errors else "",
        run_url=run_url(settings.ui_url, run_id),
    )


def failure_alert_sensor(settings: Settings) -> dg.SensorDefinition:
    """The sensor that alerts on every failed run of this code location not started by
    run_polster.py (which alerts on its own runs, daemon or not: one message per run)."""

    @dg.run_failure_sensor(
        name=SENSOR_NAME,
        description=f"Sends one {settings.alerts} message for each failed run.",
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=10,
    )
    def _sensor(context: dg.RunFailureSensorContext) -> None:
        run = context.dagster_run
        if PID_TAG in run.tags:
            context.log.info(f"run {run.run_id[:8]}: run_polster.py sent its alert")
            return
        warning = send(alert_of_run(context.instance, run.run_id, settings), settings)
        if warning:
            context.log.warning(warning)

    return _sensor
