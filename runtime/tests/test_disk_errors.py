"""A full disk and a read-only folder are one line naming the folder, and the last good
version stays current: on a real, small tmpfs (mounting one needs root; elsewhere these
tests are skipped, and say so)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import polars as pl
import pytest
from polster.contract.errors import PolsterError
from polster.core.storage import WRITE_STAGE_HOOKS, TableStore


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs, unmounted afterwards."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def store_on(folder: Path) -> TableStore:
    return TableStore(root=f"{folder}/data")


def fill_disk_at(folder: Path, target: str):
    def hook(key: str, stage: str) -> None:
        if stage == target:
            with suppress(OSError), (folder / "filler").open("wb") as filler:
                while True:
                    filler.write(b"x" * 65536)

    return hook


@pytest.mark.parametrize("stage", ["before-files", "after-files"])
def test_a_full_disk_is_one_line_and_the_last_version_stays(small_disk, stage):
    """Full while the data file is written (Polars) or while the commit is (delta-rs's
    'Generic LocalFileSystem error')."""
    store = store_on(small_disk)
    store.write("bronze_orders", pl.DataFrame({"id": [1]}))
    WRITE_STAGE_HOOKS.append(fill_disk_at(small_disk, stage))
    try:
        with pytest.raises(PolsterError) as refused:
            store.write("bronze_orders", pl.DataFrame({"id": [2, 3]}))
    finally:
        WRITE_STAGE_HOOKS.pop()
        (small_disk / "filler").unlink(missing_ok=True)
    message = str(refused.value)
    assert "\n" not in message
    assert f"in {small_disk}/data: disk full" in message, message
    assert store.read("bronze_orders").collect()["id"].to_list() == [1]
    store.write("bronze_orders", pl.DataFrame({"id": [4]}))  # space again: writes work
    assert store.read("bronze_orders").collect()["id"].to_list() == [4]


def read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def test_writes_restore_vacuum_and_optimize_of_a_read_only_lake_are_one_line_each(
    small_disk, capfd
):
    """The table locks live in the lake: a read-only lake refuses at its lock, one line."""
    store = TableStore(root=f"{small_disk}/data")
    for rows in ([1], [2], [3]):
        store.write("bronze_orders", pl.DataFrame({"id": rows}))
    read_only(small_disk)
    try:
        for operation in (
            lambda: store.write("bronze_orders", pl.DataFrame({"id": [4]})),
            lambda: store.restore("bronze_orders", 0),
            lambda: store.vacuum("bronze_orders", 0, [], enforce=False),
            lambda: store.optimize("bronze_orders", zorder=("id",)),  # rewrites every file
        ):
            with pytest.raises(PolsterError) as refused:
                operation()
            message = str(refused.value)
            assert "\n" not in message
            assert f"cannot lock bronze_orders in {small_disk}/data/_polster/locks" in message
            assert "read-only" in message.lower(), message
            assert "make that folder writable" in message, message
        assert "panicked" not in capfd.readouterr().err  # delta-rs's "Already shut down"
        assert store.read("bronze_orders").collect()["id"].to_list() == [3]
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=False)
