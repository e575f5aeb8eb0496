"""Several machines, one lake: working copies of one ADLS project, each with its own
`.polster/` and `.dagster/` as separate machines have, writing one Azurite lake at once.
Real processes, killed with SIGKILL where a crash is the point; every wait is bounded."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from azure.storage.blob import ContainerClient
from deltalake import DeltaTable
from polster.core.settings import Settings
from polster.core.storage import TableStore
from polster.core.storage.remote import RemoteAccess

from tests.azurite import ACCOUNT, ACCOUNT_KEY, Azurite
from tests.conftest import PYTHON, render_project
from tests.test_adls import ANSWERS, adls_env, options, table_uri

sys.path.insert(0, str(Path(__file__).parents[1] / "runtime" / "tests"))
from lake_checks import (
    check_partition_writers_commit_at_once,
    check_partitions_are_locked_apart,
)

BASE = "machines/data"
COPIES = (150, 250, 350)  # each copy's POLSTER_EXAMPLE_ROWS: different data in each
LEASE = 15  # seconds: the shortest lease Azure allows
KEPT, REJECTED = "silver_example", "silver_example__rejected"
pytestmark = pytest.mark.xdist_group("azurite")  # the shared emulator


@pytest.fixture
def lake(azurite, request) -> tuple[TableStore, dict[str, str]]:
    """An empty lake on the shared Azurite, and the environment a process reaches it with."""
    settings = Settings(
        storage_backend="adls",
        data_dir=Path("."),
        adls_account_name=ACCOUNT,
        adls_account_key=ACCOUNT_KEY,
        adls_endpoint=azurite.endpoint,
    )
    root = f"abfss://lake@{ACCOUNT}.dfs.core.windows.net/locks/{request.node.name}"
    env = {
        "ADLS_ACCOUNT_NAME": ACCOUNT,
        "ADLS_ACCOUNT_KEY": ACCOUNT_KEY,
        "ADLS_ENDPOINT": azurite.endpoint,
        "POLSTER_LOCK_LEASE_SECONDS": str(LEASE),
    }
    return TableStore(root=root, remote=RemoteAccess(settings), lease_seconds=LEASE), env


def test_partitions_are_locked_apart_by_blob_leases(lake):
    check_partitions_are_locked_apart(*lake)


def test_writers_of_different_partitions_commit_at_once_on_adls(lake):
    check_partition_writers_commit_at_once(*lake, writes=2)


@pytest.fixture(scope="module")
def copies(template_src, tmp_path_factory) -> list[Path]:
    """One rendered ADLS project, copied once per machine."""
    machines = tmp_path_factory.mktemp("machines")
    project = render_project(template_src, machines / "rendered", **ANSWERS)
    return [shutil.copytree(project, machines / f"machine{i}") for i in range(len(COPIES))]


def env(copy: Path, azurite: Azurite, rows: int) -> dict[str, str]:
    return adls_env(
        copy,
        azurite,
        PYTHONPATH=os.pathsep.join([str(copy / "src" / "core"), str(copy / "src")]),
        ADLS_BASE_PATH=BASE,
        POLSTER_EXAMPLE_ROWS=str(rows),
        POLSTER_LOCK_LEASE_SECONDS=str(LEASE),
        DISABLE_LOCAL_SAMPLE="true",
    )


def start(copy: Path, azurite: Azurite, rows: int, *command: str, **more: str) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, *command],
        cwd=copy,
        env={**env(copy, azurite, rows), **more},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 240) -> str:
    stdout, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, (stdout, stderr)
    assert "Traceback" not in stderr
    return stdout


def table(azurite: Azurite, key: str) -> DeltaTable:
    return DeltaTable(table_uri(key, BASE), storage_options=options(azurite))


def last_unit(azurite: Azurite, key: str) -> str:
    commits = [c for c in table(azurite, key).history(5) if c.get("operation") != "OPTIMIZE"]
    return commits[0]["polster_unit"]


def assert_silver_is_one_unit(azurite: Azurite) -> None:
    """As a reader sees them (straight from the lake): the kept and rejected rows of silver
    are every bronze row of one copy's write, and their last commits are one write's."""
    kept, rejected = (
        pl.scan_delta(table(azurite, key), storage_options=options(azurite)).collect().height
        for key in (KEPT, REJECTED)
    )
    bronze_rows = set()
    for commit in table(azurite, "bronze_example").history():
        at = table(azurite, "bronze_example")
        at.load_as_version(commit["version"])
        bronze_rows.add(pl.scan_delta(at, storage_options=options(azurite)).collect().height)
    assert kept + rejected in bronze_rows, (kept, rejected, bronze_rows)
    assert last_unit(azurite, KEPT) == last_unit(azurite, REJECTED)


# A machine's writes, in one process (Dagster's runs call the same store.write; a run of
# run_polster.py costs 25-35 s here, a process of Polars and Polster a few): bronze once
# (unless BRONZE=0), then silver ROUNDS times, as `python src/core/<asset>.py` does;
# KILL_AT: killed with SIGKILL when silver's write reaches that stage (tests/crash_at.py's
# seam, without Dagster).
WRITES = """
import os, sys
from polster.core import storage
from polster.core.standalone import run
import bronze_example, silver_example

stage = os.environ.get("KILL_AT")
if stage:
    storage.WRITE_STAGE_HOOKS.append(
        lambda key, at: key == "silver_example" and at == stage and os.kill(os.getpid(), 9)
    )
if os.environ.get("BRONZE") != "0":
    run(bronze_example.extract)
for _ in range(int(sys.argv[1])):
    run(silver_example.transform)
"""


def writes(copy: Path, azurite: Azurite, rows: int, rounds: int, **env: str) -> subprocess.Popen:
    return start(copy, azurite, rows, "-c", WRITES, str(rounds), **env)


def test_simultaneous_writes_from_every_machine_keep_silver_one_unit(copies, azurite):
    machines = [
        writes(copy, azurite, rows, rounds=2) for copy, rows in zip(copies, COPIES, strict=True)
    ]
    for machine in machines:
        finish(machine)
    assert_silver_is_one_unit(azurite)
    units = {c["polster_unit"] for c in table(azurite, KEPT).history() if c.get("polster_unit")}
    assert len(units) >= 2 * len(COPIES)  # every write published its own version


READ_UNTIL_REPAIRED = f"""
import sys, time
import polster
from polster.core.storage.construction import default_store

deadline, reads = time.monotonic() + {LEASE + 30}, 0
while time.monotonic() < deadline:
    polster.read_table("{REJECTED}")  # a read through Polster repairs a split it may
    reads += 1
    if any(c.get("polster_repaired") for c in default_store().history("{REJECTED}", 3)):
        print(reads)
        sys.exit(0)
    time.sleep(0.5)
sys.exit("not repaired")
"""


def test_a_machine_killed_between_silver_commits_is_repaired_by_another(copies, azurite):
    """kill -9 of machine A between silver's two commits (an evicted pod); then machine B
    only: its reads repair the split once A's lock expires, its write cleans up after A."""
    (a, a_rows), (b, b_rows) = list(zip(copies, COPIES, strict=True))[:2]
    finish(writes(b, azurite, b_rows, rounds=1))
    killed = writes(a, azurite, a_rows, rounds=1, BRONZE="0", KILL_AT="between-commits")
    killed.communicate(timeout=120)
    assert killed.returncode == -signal.SIGKILL
    died = time.monotonic()
    assert last_unit(azurite, KEPT) != last_unit(azurite, REJECTED)  # A's rejected rows only
    lake = ContainerClient.from_connection_string(azurite.connection_string, "lake")
    pending = f"{BASE}/_polster/pending/"
    assert list(lake.list_blob_names(name_starts_with=pending))  # A's journal, in the lake

    reads = finish(start(b, azurite, b_rows, "-c", READ_UNTIL_REPAIRED), timeout=LEASE + 60)
    assert int(reads) > 1  # the first reads repaired nothing: A's lock was still held
    assert time.monotonic() - died < LEASE + 20  # and expired by itself
    assert_silver_is_one_unit(azurite)

    finish(writes(b, azurite, b_rows, rounds=1, BRONZE="0"))
    assert_silver_is_one_unit(azurite)
    assert not list(lake.list_blob_names(name_starts_with=pending))  # B cleaned up after A
