"""What `python run_polster.py` does: materialize the pipeline, show its status, open the UI.

    python run_polster.py                        materialize every asset once
    python run_polster.py --asset KEY            materialize only KEY (repeatable)
    python run_polster.py --partition 2024-01-03 one partition of the partitioned assets
    python run_polster.py --partition-range 2024-01-01...2024-01-31   a backfill, one run
    python run_polster.py --partition-range 2024-01-01...2024-01-31 --fan-out 4
                                                 the same backfill as 4 runs at once
    python run_polster.py --status               when each asset was last materialized
    python run_polster.py --ui                   materialize, then open the UI on 127.0.0.1:3000
                                                 (also when the run fails: the UI shows it)
    python run_polster.py --no-materialize --ui  open the UI only
    python run_polster.py --executor multiprocess  one process per asset, in parallel

--executor chooses how the assets run. in_process (the default) runs every step in
this process: no process start per step, the fastest choice for a chain of assets such
as the examples. multiprocess runs each step in its own process, up to one per CPU at
a time, so independent assets (several bronze sources, say) run in parallel; each step
then pays a process start (about 2 s) and imports the project again. auto picks
multiprocess when two or more selected assets share a layer (assets of one layer never
depend on each other) and the machine has more than one CPU, in_process otherwise.

Partitioned assets (PARTITIONS in their module) write one partition per run: without
--partition, their newest complete one (yesterday's, for daily partitions). A range runs
as one run that writes each partition in turn. Assets partitioned in different ways run
layer by layer, one run per way, each with its newest partition.

Every run ends with a summary (rows written and rejected, checks, durations), also
saved as reports/<run id>/summary.md and summary.json. Runs are recorded in the
project's .dagster/ folder (unless DAGSTER_HOME is set), so --status and the UI show
them. Exit code 0 on success, 1 on failure (a blocking check included), 2 on bad flags.
Each failure is one line; --verbose adds the traceback of the code that failed.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from polster.contract.errors import PolsterError
from polster.contract.failures import (
    REPORT,
    code_location,
    describe,
    first_line,
    is_inside,
    raised_on_purpose,
)
from polster.contract.layers import by_layer, did_you_mean, nearest_key, split_key
from polster.contract.layout import NO_ASSETS_YET
from polster.contract.partitions import partition_span
from polster.core.exits import report_error, report_interrupted
from polster.core.paths import project_root, resolve
from polster.orchestration import interrupts
from polster.orchestration.tags import ENVIRONMENT_TAG, HOST_TAG, PID_TAG

if TYPE_CHECKING:
    import dagster as dg

    from polster.orchestration import run_plan
    from polster.orchestration.run_summary import RunSummary

HOST = "127.0.0.1"
# Dagster's own step logs stay quiet; this script prints one summary instead (the full
# logs of every run are in the UI).
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
EXECUTORS = ("in_process", "multiprocess", "auto")
STACK_LINE = re.compile(r'File "(.+)", line (\d+)')  # a line of a traceback Dagster kept


class RunFailedError(PolsterError):
    """A run that Dagster recorded as failed (its summary is printed and saved)."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="run_polster.py",
        description="Materialize the pipeline, show its status, open the Dagster UI.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--materialize",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="materialize assets before anything else (default: yes)",
    )
    parser.add_argument(
        "--asset",
        action="append",
        default=[],
        metavar="KEY",
        help="materialize only this asset, e.g. silver_example (repeatable, or several "
        "separated by commas: bronze_example,silver_example)",
    )
    parser.add_argument(
        "--partition",
        metavar="KEY",
        help="materialize this partition of the partitioned assets, e.g. 2024-01-03",
    )
    parser.add_argument(
        "--partition-range",
        metavar="START...END",
        help="materialize these partitions (both included) in one run, e.g. "
        "2024-01-01...2024-01-31",
    )
    parser.add_argument(
        "--fan-out",
        type=int,
        default=1,
        metavar="N",
        help="with --partition-range: split the range into N runs that run at once, each in "
        "its own process (default: 1, one run; see polster.orchestration.fan_out)",
    )
    parser.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="in_process",
        help="run every step in this process (default), each in its own process, "
        "or choose by the selected assets (see above)",
    )
    parser.add_argument(
        "--status", action="store_true", help="show the last materialization of every asset"
    )
    parser.add_argument(
        "--ui",
        action="store_true",
        help="start the Dagster UI afterwards (also after a failed run)",
    )
    parser.add_argument("--port", type=int, default=3000, help="port of the UI (default: 3000)")
    parser.add_argument(
        "--verbose", action="store_true", help="show the traceback of a failure, not one line"
    )
    args = parser.parse_args(argv)
    # `make run ASSET=a,b` passes one --asset with several keys (a key has no comma).
    args.asset = [key.strip() for value in args.asset for key in value.split(",") if key.strip()]
    if not (args.materialize or args.ui or args.status):
        parser.error("--no-materialize needs --ui or --status: there is nothing else to do")
    if args.partition and args.partition_range:
        parser.error("--partition and --partition-range go one at a time: choose one")
    if (args.partition or args.partition_range) and not args.materialize:
        parser.error("--partition and --partition-range materialize: drop --no-materialize")
    if args.fan_out != 1 and not args.partition_range:
        parser.error("--fan-out splits a --partition-range: add one, or drop --fan-out")
    if args.fan_out < 1:
        parser.error(f"--fan-out {args.fan_out}: give a number of runs from 1")
    if not 0 < args.port < 65536:
        parser.error(f"--port {args.port} is not a port number (1-65535)")
    return args


# The .dagster/dagster.yaml a project gets on its first run (only when there is none).
INSTANCE_CONFIG = """\
# Dagster instance settings: SQLite in this folder (Dagster's default).
# Polster turns Dagster's usage statistics off; delete these two lines to send them.
telemetry:
  enabled: false
"""


def use_project_dagster_home() -> Path:
    """Point Dagster at the project's .dagster/ folder unless DAGSTER_HOME is set.

    A relative DAGSTER_HOME is taken from the project root, like every relative setting.
    """
    home = resolve(os.environ.get("DAGSTER_HOME") or project_root() / ".dagster")
    os.environ["DAGSTER_HOME"] = str(home)  # Dagster insists on an absolute path
    instance_config = home / "dagster.yaml"
    try:
        home.mkdir(parents=True, exist_ok=True)
        if not instance_config.exists():
            # Dagster's defaults (SQLite under this folder) are right. Telemetry is off, as in
            # deploy/dagster.yaml: no usage statistics, no banner on a project's first run.
            instance_config.write_text(INSTANCE_CONFIG)
        # One probe per process: with a shared one, two first runs at once could unlink
        # each other's (No such file or directory).
        probe = home / f".polster-write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as error:
        msg = (
            f"DAGSTER_HOME={home} cannot hold Dagster's run history ({error.strerror}): "
            "make that folder writable, or point DAGSTER_HOME at one that is"
        )
        raise PolsterError(msg) from None
    return home


def open_instance(home: Path) -> dg.DagsterInstance:
    """The project's Dagster instance, its storage created (or migrated) by one process at
    a time: two first runs at once would both create its SQLite tables."""
    import dagster as dg

    from polster.core.locks import setup_lock
    from polster.orchestration.sqlite_history import open_project_instance

    with setup_lock(home / ".polster-storage.lock", f"Dagster's storage in {home}", 300):
        instance = open_project_instance(home)  # its connections kept open (see there)
        try:  # each storage creates its tables when first used
            instance.get_runs(limit=1)
            instance.event_log_storage.get_event_records(
                dg.EventRecordsFilter(dg.DagsterEventType.RUN_SUCCESS), limit=1
            )
            instance.schedule_storage  # noqa: B018
        except BaseException:
            instance.dispose()
            raise
    return instance


def load_definitions() -> dg.Definitions:
    """The project's definitions; whatever stops them from loading becomes one line."""
    try:
        from polster.orchestration.definitions import build_definitions

        definitions = build_definitions()
        definitions.resolve_asset_graph()  # Dagster's own refusals (two assets, one key...)
    except PolsterError:
        raise
    except Exception as error:  # a module that does not import, a definition Dagster refuses
        msg = (
            f"the definitions do not load: {describe(error, project_root())}. "
            "`polster validate` names the file to fix; --verbose shows the traceback"
        )
        raise PolsterError(msg) from error
    return definitions


def asset_keys(defs: dg.Definitions) -> list[str]:
    """Every asset key, bronze first, then silver, then gold."""
    return by_layer(key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys())


def materialize(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    selected: list[str],
    executor: str,
    verbose: bool = False,
    partition: str | None = None,
    partition_range: str | None = None,
    fan_out: int = 1,
) -> None:
    """Materialize the selected assets (all when none are selected) with the chosen executor,
    their partitions as asked (see plan_runs); a range as `fan_out` runs at once (fan_out.py).

    A failed run sends one alert (POLSTER_ALERTS); one that cannot be sent is a warning.
    """
    from polster.core.settings import get_settings
    from polster.orchestration.partitions import partitionings
    from polster.orchestration.run_plan import not_due, not_due_line, plan_runs

    if fan_out > 1 and partition_range:
        from polster.orchestration.fan_out import fan_out as run_at_once

        failed = run_at_once(defs, selected, partition_range, fan_out, executor, verbose)
        if failed:
            raise RunFailedError(failed)
        return
    environment = get_settings().environment
    known = asset_keys(defs)
    if not known:
        print(NO_ASSETS_YET)
        return
    unknown = sorted(set(selected) - set(known))
    if unknown:
        named = ", ".join(name + did_you_mean(nearest_key(name, known)) for name in unknown)
        msg = f"unknown asset {named}: choose from {', '.join(known)}"
        raise PolsterError(msg)
    partitioned = partitionings(defs)
    if not (partition or partition_range):  # the newest complete partition: maybe none yet
        later = not_due(selected or known, partitioned)
        for key, due in later.items():
            print(not_due_line(key, partitioned[key], due))
        waiting = downstream_of(defs, set(later)) - set(later)
        for key in by_layer(waiting & set(selected or known)):
            print(f"Skipped {key}: it reads an asset whose first partition is not complete yet")
        skipped = {*later, *waiting}
        if skipped:
            if selected and set(selected) <= skipped:
                return
            known = [key for key in known if key not in skipped]
            selected = [key for key in selected if key not in skipped]
            if not known:
                return
    runs = plan_runs(known, selected, partitioned, partition, partition_range)
    for planned in runs:
        run_planned(defs, instance, planned, executor, environment, verbose)


def downstream_of(defs: dg.Definitions, keys: set[str]) -> set[str]:
    """`keys` and every asset that reads one of them, directly or not."""
    import dagster as dg

    if not keys:
        return set()
    graph = defs.resolve_asset_graph()
    reached, todo = set(keys), list(keys)
    while todo:
        for child in graph.get(dg.AssetKey(todo.pop())).child_keys:
            name = child.to_user_string()
            if name not in reached:
                reached.add(name)
                todo.append(name)
    return reached


def run_planned(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    planned: run_plan.PlannedRun,
    executor: str,
    environment: str,
    verbose: bool,
) -> None:
    """One planned run, its summary printed and saved; a failure raises PolsterError."""
    from polster.orchestration import run_summary

    if executor == "auto":
        executor = choose_executor(planned.assets)
    started = time.perf_counter()
    with interrupts.watching() as signals:
        result = run_job(defs, instance, planned.assets, executor, environment, planned.partitions)
    elapsed = time.perf_counter() - started
    summary = run_summary.summarize(
        result, instance, planned.assets, environment, planned.partitioned, planned.planned
    )
    outcome = "succeeded" if result.success else "FAILED"
    partitions = ""
    if planned.partitions is not None:
        first, last = planned.partitions
        word = "partition" if first == last else "partitions"
        partitions = f", {word} {partition_span(first, last)}"
    print(
        f"Run {result.run_id[:8]} ({environment}{partitions}) {outcome} in {elapsed:.1f}s "
        f"({executor} executor):"
    )
    print(run_summary.text_table(summary))
    report = run_summary.save(summary, project_root() / "reports" / result.run_id)
    print(f"Summary saved to {report.relative_to(project_root())} (and summary.json beside it)")
    signum = signals.first()
    if signum is not None:
        raise interrupts.RunInterruptedError(signum, interrupts.published(summary))
    if not result.success:
        alert(instance, result.run_id)
        raise RunFailedError(failure_message(result, summary, verbose))


def alert(instance: dg.DagsterInstance, run_id: str) -> None:
    """Send the failed run's alert; a destination that cannot be reached is a warning only."""
    from polster.core.alerts import send
    from polster.core.settings import get_settings
    from polster.orchestration.alerts import alert_of_run

    settings = get_settings()
    if settings.alerts == "none":
        return
    warning = send(alert_of_run(instance, run_id, settings), settings)
    print(f"warning: {warning}" if warning else f"Alert sent ({settings.alerts}).", file=sys.stderr)


def failure_message(result: dg.ExecutionResult, summary: RunSummary, verbose: bool) -> str:
    """Why the run failed: each failed asset by its root cause, then what did not run."""
    reasons = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        if error is None:
            continue
        if verbose:
            print(innermost(error).to_string(), file=sys.stderr)  # the traceback of user code
        cause = root_cause(error)
        # A refused write names its asset already: "silver_x was not published: ..."
        reasons.append(
            cause if cause.startswith(event.step_key) else f"at {event.step_key}: {cause}"
        )
    skipped = [asset.asset for asset in summary.assets if asset.status == "not run"]
    if skipped:
        reasons.append(f"so these were not materialized: {', '.join(skipped)}")
    return "the run failed: " + "; ".join(reasons or ["(see the Dagster UI, make ui)"])


def innermost(error: object) -> object:
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error


def choose_executor(keys: list[str]) -> str:
    """multiprocess when some assets can run at the same time on several CPUs, else in_process."""
    widest_layer = max(Counter(split_key(key)[0] for key in keys).values())
    return "multiprocess" if widest_layer > 1 and (os.cpu_count() or 1) > 1 else "in_process"


def run_job(
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    selected: list[str],
    executor: str,
    environment: str,
    partitions: tuple[date, date] | None = None,
) -> dg.ExecuteInProcessResult | dg.JobExecutionResult:
    """One run of the selected assets: in this process, or one process per step; of the
    `partitions` (first, last) of the partitioned ones."""
    import dagster as dg

    selection = [dg.AssetKey(key) for key in selected] or None
    tags = {
        PID_TAG: str(os.getpid()),
        HOST_TAG: socket.gethostname(),
        ENVIRONMENT_TAG: environment,
    }
    if partitions is not None:  # Dagster's own tags for a run of a range of partitions
        first, last = (day.isoformat() for day in partitions)
        tags["dagster/asset_partition_range_start"] = first
        tags["dagster/asset_partition_range_end"] = last
    if executor == "in_process":
        return defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance,
            asset_selection=selection,
            run_config=QUIET_RUN_CONFIG,
            raise_on_error=False,
            tags=tags,
        )
    # Each step's process rebuilds the job from polster_job() in this module.
    parallel = {"multiprocess": {"max_concurrent": os.cpu_count() or 1}}
    return dg.execute_job(
        dg.reconstructable(polster_job),
        instance=instance,
        asset_selection=selection,
        run_config={**QUIET_RUN_CONFIG, "execution": {"config": parallel}},
        raise_on_error=False,
        tags=tags,
    )


def polster_job() -> dg.JobDefinition:
    """A job of every asset, which each process of a multiprocess run loads from here."""
    import dagster as dg

    from polster.orchestration.step_processes import die_with_run

    die_with_run()  # a step process (not the run's): it dies with its run

    # Dagster reserves the name of its implicit all-assets job: this one has its own.
    job = dg.define_asset_job("run_polster", selection=dg.AssetSelection.all())
    return dg.Definitions.merge(load_definitions(), dg.Definitions(jobs=[job])).resolve_job_def(
        "run_polster"
    )


def root_cause(error: object) -> str:
    """The message of the innermost error, and where it was raised (see code_location)."""
    inner = innermost(error)
    message = first_line(getattr(inner, "message", str(error)))
    frames = [
        (match[1], int(match[2]))
        for line in getattr(inner, "stack", [])
        if (match := STACK_LINE.search(line))
    ]
    deliberate = raised_on_purpose(getattr(inner, "cls_name", "") or "")
    where = code_location(frames, project_root(), deliberate)
    if lost_connection(message) and "ADLS_FALLBACK_TO_LOCAL" not in message:
        message = f"{message}: {LOST_CONNECTION_HINT}"  # unless the store gave its hint
    if is_inside(where):
        return f"{message} (at {where}; {REPORT})"
    return f"{message} (at {where})" if where else message


# What a connection refused or lost says (asyncio, aiohttp, object_store), and what to do.
CONNECTION_LOST = re.compile(
    r"Connect call failed|Connection refused|Connection reset|Errno 111|"
    r"error sending request|Cannot connect to host",
    re.IGNORECASE,
)
LOST_CONNECTION_HINT = (
    "the storage could not be reached (connection refused or lost); check the network and "
    "ADLS_ENDPOINT / ADLS_ACCOUNT_NAME in .env, then run again (set "
    "ADLS_FALLBACK_TO_LOCAL=true to write locally when ADLS is down)"
)


def lost_connection(message: str) -> bool:
    return bool(CONNECTION_LOST.search(message))


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark as failed the runs left STARTED by a process of this machine that is gone.

    A run_polster.py killed mid-run (kill -9, a reboot) cannot record its end; Dagster's
    daemon has run monitoring for that, a plain run_polster.py has this.
    """
    import dagster as dg

    statuses = [
        dg.DagsterRunStatus.NOT_STARTED,  # killed between its record and its start
        dg.DagsterRunStatus.STARTED,
        dg.DagsterRunStatus.STARTING,
    ]
    marked = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=statuses)):
        pid = run.tags.get(PID_TAG)
        if not pid or run.tags.get(HOST_TAG) != socket.gethostname() or is_alive(int(pid)):
            continue
        reason = f"the process running it (pid {pid}) ended before the run did (killed?)"
        if run.status == dg.DagsterRunStatus.NOT_STARTED:
            reason = f"the process that made it (pid {pid}) ended before it started (killed?)"
        instance.report_run_failed(run, message=reason)
        marked.append(f"Run {run.run_id[:8]} marked failed: {reason}")
    return marked


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def print_status(defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
    """One line per asset (see orchestration/status.py), with the partitions of partitioned
    ones (materialized, missing, failed), then how the last run ended."""
    import dagster as dg

    from polster.orchestration.partitions import partitionings, partitions_definition
    from polster.orchestration.status import print_asset_lines, run_line

    partitioned = partitionings(defs)
    failed = {}
    for key, partitioning in partitioned.items():
        definition = partitions_definition(partitioning)
        statuses = instance.get_status_by_partition(
            dg.AssetKey(key), definition.get_partition_keys(), definition
        )
        failed[key] = {
            partition
            for partition, status in (statuses or {}).items()
            if status == dg.AssetPartitionStatus.FAILED
        }
    print_asset_lines(asset_keys(defs), partitionings=partitioned, failed=failed)
    for run in instance.get_runs(limit=1):
        stats = instance.get_run_stats(run.run_id)
        print(run_line(run.run_id, stats.start_time, run.status.value))


def start_ui(port: int) -> int:
    """Run `dagster dev` (UI, schedules and sensors) on 127.0.0.1 until Ctrl-C."""
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            msg = f"port {port} is already in use: pass another one, e.g. --port {port + 1}"
            raise PolsterError(msg)
    # `dagster dev` points at `dg dev`, which needs a dg project; hide that notice.
    command = [sys.executable, "-W", "ignore::FutureWarning", "-m", "dagster", "dev"]
    print(f"Dagster UI on http://{HOST}:{port} (schedules and sensors running; Ctrl-C to stop)")
    ui = subprocess.Popen(
        [*command, "-w", "workspace.yaml", "-h", HOST, "-p", str(port)], cwd=project_root()
    )
    try:
        return ui.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached dagster dev too; give it time to stop its own processes.
        ui.send_signal(signal.SIGINT)
        try:
            ui.wait(timeout=30)
        except subprocess.TimeoutExpired:
            ui.terminate()
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupts.raise_on_sigterm)
    try:
        from polster.orchestration.status import quick_status

        home = use_project_dagster_home()
        # --status answers without Dagster when it can: a second instead of several.
        if not (args.status and quick_status(home)):
            defs = load_definitions()
            with open_instance(home) as instance:
                for line in fail_abandoned_runs(instance):
                    print(line)
                if args.status:
                    print_status(defs, instance)
                elif args.materialize:
                    try:
                        materialize(
                            defs,
                            instance,
                            args.asset,
                            args.executor,
                            args.verbose,
                            args.partition,
                            args.partition_range,
                            args.fan_out,
                        )
                    except RunFailedError as failure:
                        if not args.ui:
                            raise
                        # The UI is what a user opens to see why: it starts anyway.
                        print(f"warning: {failure}; the UI shows it", file=sys.stderr)
        if args.ui:
            return start_ui(args.port)
    except interrupts.RunInterruptedError as stopped:
        return report_interrupted(stopped.detail, stopped.signum)
    except PolsterError as error:
        return report_error(error, args.verbose)
    except KeyboardInterrupt as error:
        terminated = isinstance(error, interrupts.Terminated)
        return report_interrupted(signum=signal.SIGTERM if terminated else signal.SIGINT)
    return 0
