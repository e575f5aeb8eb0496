"""`run_polster.py --partition-range A...B --fan-out N`: one backfill as N runs at once.

The range is split into N contiguous chunks of nearly equal length; each chunk is an
ordinary `run_polster.py --partition-range` run in a process of its own, recorded in the
project's Dagster instance like any other run. Each writes, audits and publishes its own
partitions; writes of different partitions of one table go through the table's lock and
Delta's commit, so none is lost. The chunks' summaries are printed as each run ends, then
one line for the whole range; if any run failed, the command fails (exit 1) naming the
chunks that did, and the others stay published.

Ctrl-C (or SIGTERM) reaches this process only: it passes the signal on to every run, which
stops before its next commit (nothing half-published), and waits for them. The runs die
with this process if it is killed (kill -9), as a multiprocess run's steps do.

Merged partitions (WRITE_MODE = "merge") are refused: a later partition's rows replace an
earlier one's, so their partitions must be written in order, by one run.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, TYPE_CHECKING

from polster.contract.errors import PolsterError
from polster.contract.layers import by_layer, did_you_mean, nearest_key
from polster.contract.options import option
from polster.contract.partitions import RANGE_SEPARATOR, partition_span, split_range
from polster.core.paths import project_root
from polster.orchestration import interrupts

if TYPE_CHECKING:
    import dagster as dg

# Each run is run_polster.py's own command line, in a fresh interpreter.
CHILD = "import sys; from polster.orchestration.runner import main; sys.exit(main())"
STOP_GRACE_SECONDS = 60  # after passing Ctrl-C on: how long a run may take to stop cleanly
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class Chunk:
    """One run of the fan-out: its partitions and its process."""

    first: date
    last: date
    process: subprocess.Popen | None = None
    output: IO[str] | None = None
    shown: bool = False  # its output printed
    error: str = ""  # the one line it failed with (`error: ...`), once it has ended

    @property
    def span(self) -> str:
        return partition_span(self.first, self.last)


def plan_chunks(
    defs: dg.Definitions, selected: list[str], partition_range: str, parts: int
) -> tuple[list[str], list[Chunk]]:
    """The assets to run and the chunks of the range, or a one-line refusal."""
    import dagster as dg

    from polster.orchestration.partitions import partitionings
    from polster.orchestration.run_plan import plan_runs

    graph = defs.resolve_asset_graph()
    known = by_layer(key.to_user_string() for key in graph.get_all_asset_keys())
    unknown = sorted(set(selected) - set(known))
    if unknown:
        named = ", ".join(name + did_you_mean(nearest_key(name, known)) for name in unknown)
        msg = f"unknown asset {named}: choose from {', '.join(known)}"
        raise PolsterError(msg)
    (planned,) = plan_runs(known, selected, partitionings(defs), None, partition_range)
    merged = [
        key
        for key in planned.assets
        if graph.get(dg.AssetKey(key)).metadata.get("polster/write_mode") == "merge"
    ]
    if merged:
        others = [key for key in planned.assets if key not in merged]
        hint = f" (or fan out the others: {option('--asset', ','.join(others))})" if others else ""
        msg = (
            f"{option('--fan-out', '')} cannot write {', '.join(merged)} in concurrent runs: "
            'its partitions are merged by key (WRITE_MODE = "merge"), so a later one replaces '
            f"an earlier one's rows and they must run in order; drop {option('--fan-out', '')}"
            f"{hint}"
        )
        raise PolsterError(msg)
    assert planned.partitions is not None
    assert planned.partitioning is not None
    keys = planned.partitioning.keys(*planned.partitions)
    return planned.assets, [Chunk(first, last) for first, last in split_range(keys, parts)]


def fan_out(
    defs: dg.Definitions,
    selected: list[str],
    partition_range: str,
    parts: int,
    executor: str,
    verbose: bool,
) -> str | None:
    """Run the range as `parts` concurrent runs; return why if any failed (the runner
    raises its RunFailedError with it), else None."""
    assets, chunks = plan_chunks(defs, selected, partition_range, parts)
    spans = ", ".join(chunk.span for chunk in chunks)
    print(f"Fan-out: {len(chunks)} runs at once ({spans})", flush=True)
    started = time.perf_counter()
    try:
        for chunk in chunks:
            start(chunk, assets, executor, verbose)
        wait(chunks)
    except KeyboardInterrupt as error:
        signum = signal.SIGTERM if isinstance(error, interrupts.Terminated) else signal.SIGINT
        stop(chunks, signum)
        for chunk in chunks:
            if not chunk.shown:
                show(chunk)
        raise interrupts.RunInterruptedError(signum, stopped_detail(chunks)) from None
    finally:
        for chunk in chunks:
            if chunk.output is not None:
                chunk.output.close()
    elapsed = time.perf_counter() - started
    failed = [chunk for chunk in chunks if chunk.process and chunk.process.returncode != 0]
    total = f"{len(chunks)} runs of {partition_span(chunks[0].first, chunks[-1].last)}"
    if not failed:
        print(f"Fan-out of {total} succeeded in {elapsed:.1f}s")
        return None
    reasons = "; ".join(f"{chunk.span} ({chunk.error})" for chunk in failed)
    print(f"Fan-out of {total} FAILED in {elapsed:.1f}s")
    rerun = " and ".join(
        option("--partition-range", f"{chunk.first}{RANGE_SEPARATOR}{chunk.last}")
        for chunk in failed
    )
    return (
        f"{len(failed)} of {len(chunks)} runs failed: {reasons}. The other runs published "
        f"their partitions; once fixed, rerun {rerun}"
    )


def start(chunk: Chunk, assets: list[str], executor: str, verbose: bool) -> None:
    """Start the run of one chunk, its output kept until it ends."""
    span = f"{chunk.first}{RANGE_SEPARATOR}{chunk.last}"  # a range, even of one partition
    command = [sys.executable, "-c", CHILD, "--partition-range", span]
    command += ["--executor", executor, "--asset", ",".join(assets)]
    if verbose:
        command.append("--verbose")
    chunk.output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by fan_out)
    chunk.process = subprocess.Popen(
        command,
        cwd=project_root(),
        stdin=subprocess.DEVNULL,
        stdout=chunk.output,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches this process only; it passes it on once
        preexec_fn=die_with_parent,  # before any thread of this process starts
    )


def die_with_parent() -> None:
    """In a run's process: the kernel kills it when the fan-out's process dies (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def wait(chunks: Sequence[Chunk]) -> None:
    """Wait for every run; print each one's output as it ends."""
    running = [chunk for chunk in chunks if chunk.process is not None]
    while running:
        for chunk in list(running):
            assert chunk.process is not None
            if chunk.process.poll() is None:
                continue
            running.remove(chunk)
            show(chunk)
        if running:
            time.sleep(0.2)


def show(chunk: Chunk) -> None:
    """Print the output of a run that ended, and keep the line it failed with."""
    chunk.shown = True
    if chunk.output is None or chunk.process is None:
        return
    chunk.output.seek(0)
    text = chunk.output.read().rstrip("\n")
    if text:
        print(text, flush=True)
    errors = [line for line in text.splitlines() if line.startswith("error: ")]
    code = chunk.process.returncode
    chunk.error = errors[-1].removeprefix("error: ") if errors else f"exit code {code}"


def stop(chunks: Sequence[Chunk], signum: int) -> None:
    """Pass the signal on to every run still going, and wait for each to stop."""
    for chunk in chunks:
        if chunk.process is not None and chunk.process.poll() is None:
            chunk.process.send_signal(signum)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for chunk in chunks:
        if chunk.process is None:
            continue
        try:
            chunk.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            chunk.process.kill()
            chunk.process.wait()


def stopped_detail(chunks: Sequence[Chunk]) -> str:
    done = [chunk.span for chunk in chunks if chunk.process and chunk.process.returncode == 0]
    rest = [chunk.span for chunk in chunks if chunk.span not in done]
    return (
        f"published {', '.join(done) or 'no whole range'}; stopped: {', '.join(rest)} "
        "(each stopped run published its partitions before the stop, none half-written)"
    )
