"""Polster's control panel: materialize the pipeline, show its status, open the Dagster UI.

    python run_polster.py                        materialize every asset once
    python run_polster.py --asset KEY            materialize only KEY (repeatable)
    python run_polster.py --status               when each asset was last materialized
    python run_polster.py --ui                   materialize, then open the UI on 127.0.0.1:3000
    python run_polster.py --no-materialize --ui  open the UI only
    python run_polster.py --executor multiprocess  one process per asset, in parallel

--executor chooses how the assets run. in_process (the default) runs every step in
this process: no process start per step, the fastest choice for a chain of assets such
as the examples. multiprocess runs each step in its own process, up to one per CPU at
a time, so independent assets (several bronze sources, say) run in parallel; each step
then pays a process start (about 2 s) and imports the project again. auto picks
multiprocess when two or more selected assets share a layer (assets of one layer never
depend on each other) and the machine has more than one CPU, in_process otherwise.

Every run ends with a summary (rows written and rejected, checks, durations), also
saved as reports/<run id>/summary.md and summary.json. Runs are recorded in the
project's .dagster/ folder (unless DAGSTER_HOME is set), so --status and the UI show
them. Exit code 0 on success, 1 on failure (a blocking check included), 2 on bad flags.
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
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

    from orchestration.run_summary import RunSummary

PROJECT_ROOT = Path(__file__).resolve().parent
HOST = "127.0.0.1"
# Dagster's own step logs stay quiet; this script prints one summary instead (the full
# logs of every run are in the UI).
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
EXECUTORS = ("in_process", "multiprocess", "auto")
# Errors whose message says all (a source that cannot be read): no traceback for them.
ONE_LINE_ERRORS = frozenset({"SourceError"})


class PolsterRunError(Exception):
    """A problem the user can fix; printed as one line, exit code 1."""


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="run_polster.py",
        description=__doc__.split("\n\n")[0],
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
        help="materialize only this asset, e.g. silver_example (repeatable)",
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
    parser.add_argument("--ui", action="store_true", help="start the Dagster UI afterwards")
    parser.add_argument("--port", type=int, default=3000, help="port of the UI (default: 3000)")
    args = parser.parse_args(argv)
    if not (args.materialize or args.ui or args.status):
        parser.error("--no-materialize needs --ui or --status: there is nothing else to do")
    if not 0 < args.port < 65536:
        parser.error(f"--port {args.port} is not a port number (1-65535)")
    return args


def use_project_dagster_home() -> Path:
    """Point Dagster at the project's .dagster/ folder unless DAGSTER_HOME is set."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster")))
    home.mkdir(parents=True, exist_ok=True)
    instance_config = home / "dagster.yaml"
    if not instance_config.exists():
        # Dagster's defaults (SQLite under this folder) are right; the file says so.
        instance_config.write_text("# Dagster instance settings; empty: SQLite in this folder.\n")
    return home


def load_definitions() -> dg.Definitions:
    """The project's definitions; configuration and layer-rule errors become one line."""
    from core.settings import SettingsError
    from core.storage import StorageError
    from polster.declaration import DeclarationError
    from polster.medallion import LayerRuleError

    try:
        from orchestration.definitions import defs
    except (SettingsError, StorageError, LayerRuleError, DeclarationError) as error:
        raise PolsterRunError(str(error)) from None
    return defs


def asset_keys(defs: dg.Definitions) -> list[str]:
    """Every asset key, bronze first, then silver, then gold."""
    from polster.medallion import layer_rank

    keys = [key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()]
    return sorted(keys, key=lambda key: (layer_rank(key), key))


def materialize(
    defs: dg.Definitions, instance: dg.DagsterInstance, selected: list[str], executor: str
) -> None:
    """Materialize the selected assets (all when none are selected) with the chosen executor."""
    from orchestration import run_summary

    known = asset_keys(defs)
    if not known:
        print("No assets yet: add one with `make add-asset` (see README.md).")
        return
    unknown = sorted(set(selected) - set(known))
    if unknown:
        msg = f"unknown asset {', '.join(unknown)}: choose from {', '.join(known)}"
        raise PolsterRunError(msg)
    if executor == "auto":
        executor = choose_executor(selected or known)
    started = time.perf_counter()
    result = run_job(defs, instance, selected, executor)
    elapsed = time.perf_counter() - started
    summary = run_summary.summarize(result, instance, selected or known)
    outcome = "succeeded" if result.success else "FAILED"
    print(f"Run {result.run_id[:8]} {outcome} in {elapsed:.1f}s ({executor} executor):")
    print(run_summary.text_table(summary))
    report = run_summary.save(summary, PROJECT_ROOT / "reports" / result.run_id)
    print(f"Summary saved to {report.relative_to(PROJECT_ROOT)} (and summary.json beside it)")
    if not result.success:
        raise PolsterRunError(failure_message(result, summary))


def failure_message(result: dg.ExecutionResult, summary: RunSummary) -> str:
    """Why the run failed: blocking checks by name, other failures by their root cause."""
    reasons = summary.blocking_failures
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        if event.step_key.endswith("_checks") or error is None:
            continue  # a failed blocking check: named above
        if innermost(error).cls_name not in ONE_LINE_ERRORS:
            print(innermost(error).to_string(), file=sys.stderr)  # the traceback of user code
        reasons.append(f"at {event.step_key}: {root_cause(error)}")
    skipped = [asset.asset for asset in summary.assets if asset.status == "not run"]
    if skipped:
        reasons.append(f"so these were not materialized: {', '.join(skipped)}")
    return "the run failed " + "; ".join(reasons or ["(see the Dagster UI, make ui)"])


def innermost(error: object) -> object:
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error


def choose_executor(keys: list[str]) -> str:
    """multiprocess when some assets can run at the same time on several CPUs, else in_process."""
    from polster.medallion import split_key

    widest_layer = max(Counter(split_key(key)[0] for key in keys).values())
    return "multiprocess" if widest_layer > 1 and (os.cpu_count() or 1) > 1 else "in_process"


def run_job(
    defs: dg.Definitions, instance: dg.DagsterInstance, selected: list[str], executor: str
) -> dg.ExecuteInProcessResult | dg.JobExecutionResult:
    """One run of the selected assets: in this process, or one process per step."""
    import dagster as dg

    selection = [dg.AssetKey(key) for key in selected] or None
    if executor == "in_process":
        return defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance,
            asset_selection=selection,
            run_config=QUIET_RUN_CONFIG,
            raise_on_error=False,
        )
    # Each step's process rebuilds the job from polster_job() in this file.
    parallel = {"multiprocess": {"max_concurrent": os.cpu_count() or 1}}
    return dg.execute_job(
        dg.reconstructable(polster_job),
        instance=instance,
        asset_selection=selection,
        run_config={**QUIET_RUN_CONFIG, "execution": {"config": parallel}},
        raise_on_error=False,
    )


def polster_job() -> dg.JobDefinition:
    """A job of every asset, which each process of a multiprocess run loads from here."""
    import dagster as dg

    # Dagster reserves the name of its implicit all-assets job: this one has its own.
    job = dg.define_asset_job("run_polster", selection=dg.AssetSelection.all())
    return dg.Definitions.merge(load_definitions(), dg.Definitions(jobs=[job])).resolve_job_def(
        "run_polster"
    )


def root_cause(error: object) -> str:
    """The message of the innermost error: what went wrong, not where Dagster noticed it."""
    # The first line says what went wrong; Polars adds the query plan on the lines after it.
    message = getattr(innermost(error), "message", str(error)).strip().splitlines()[0]
    return re.sub(r"^[\w.]+(Error|Exception): ", "", message)  # Dagster adds the class name


def print_status(defs: dg.Definitions, instance: dg.DagsterInstance) -> None:
    """One line per asset: when it was last materialized, by which run, how many rows."""
    import dagster as dg

    keys = asset_keys(defs)
    if not keys:
        print("No assets yet: add one with `make add-asset` (see README.md).")
        return
    print(f"{'asset':<32} {'last materialized':<20} {'rows':>12}  run")
    for key in keys:
        event = instance.get_latest_materialization_event(dg.AssetKey(key))
        if event is None or event.asset_materialization is None:
            print(f"{key:<32} {'never':<20} {'-':>12}  -")
            continue
        when = datetime.fromtimestamp(event.timestamp).strftime("%Y-%m-%d %H:%M:%S")
        rows = event.asset_materialization.metadata.get("dagster/row_count")
        shown = f"{rows.value:,}" if rows is not None else "-"
        print(f"{key:<32} {when:<20} {shown:>12}  {event.run_id[:8]}")


def start_ui(port: int) -> int:
    """Run `dagster dev` (UI, schedules and sensors) on 127.0.0.1 until Ctrl-C."""
    with socket.socket() as probe:
        if probe.connect_ex((HOST, port)) == 0:
            msg = f"port {port} is already in use: pass another one, e.g. --port {port + 1}"
            raise PolsterRunError(msg)
    # `dagster dev` points at `dg dev`, which needs a dg project; hide that notice.
    command = [sys.executable, "-W", "ignore::FutureWarning", "-m", "dagster", "dev"]
    print(f"Dagster UI on http://{HOST}:{port} (schedules and sensors running; Ctrl-C to stop)")
    ui = subprocess.Popen(
        [*command, "-w", "workspace.yaml", "-h", HOST, "-p", str(port)], cwd=PROJECT_ROOT
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
    use_project_dagster_home()
    try:
        import dagster as dg

        defs = load_definitions()
        with dg.DagsterInstance.get() as instance:
            if args.status:
                print_status(defs, instance)
            elif args.materialize:
                materialize(defs, instance, args.asset, args.executor)
        if args.ui:
            return start_ui(args.port)
    except PolsterRunError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
