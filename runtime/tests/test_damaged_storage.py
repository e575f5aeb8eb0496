"""A damaged table on disk (what a power loss, a disk error or a hand in the folder leaves)
is one line naming the file, what happened and what to do; nothing is guessed."""

from pathlib import Path

import polars as pl
import pytest
from polster.core.storage import StorageError
from polster.tooling import tables

KEY = "silver_orders"


def two_versions(store) -> Path:
    """A table at version 1; returns version 1's commit file."""
    store.write(KEY, pl.DataFrame({"id": [1]}))
    store.write(KEY, pl.DataFrame({"id": [2]}))
    return Path(store.uri(KEY)) / "_delta_log" / f"{1:020d}.json"


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        (lambda text: "", r"is empty \(0 bytes"),
        (lambda text: text[:40], r"line 1 is not valid JSON"),
        (lambda text: "{not json", r"line 1 is not valid JSON"),
    ],
    ids=["empty", "truncated", "garbage"],
)
@pytest.mark.parametrize("operation", ["read", "history", "write"])
def test_a_damaged_commit_is_named_with_what_to_do(store, damage, said, operation):
    commit = two_versions(store)
    commit.write_text(damage(commit.read_text()))

    operations = {
        "read": lambda: store.read(KEY).collect(),
        "history": lambda: store.history(KEY),
        "write": lambda: store.write(KEY, pl.DataFrame({"id": [3]})),
    }

    with pytest.raises(StorageError, match=said) as refused:
        operations[operation]()

    message = str(refused.value)
    assert "\n" not in message
    assert f"{commit.name}" in message
    assert "version 0" in message  # what moving the commit aside gets back
    assert not (Path(store.uri(KEY)) / "_delta_log" / f"{2:020d}.json").exists()


def test_a_deleted_data_file_is_named_not_blamed_on_vacuum(store):
    two_versions(store)
    current = max(Path(store.uri(KEY)).glob("*.parquet"), key=lambda path: path.stat().st_mtime)
    current.unlink()

    with pytest.raises(StorageError) as refused:
        tables.preview(store, KEY, None, 5)

    message = str(refused.value)
    assert current.name in message
    assert "version 1" in message
    assert "version None" not in message
    assert "polster restore" in message


def test_status_names_a_damaged_table_in_one_line_not_never_materialized(store, capsys):
    """--status said 'never' for a table whose last commit was cut short."""
    from polster.orchestration.status import print_asset_lines

    commit = two_versions(store)
    commit.write_text(commit.read_text()[:40])

    print_asset_lines([KEY], store)

    out, err = capsys.readouterr()
    (line,) = [row for row in out.splitlines() if row.startswith(KEY)]
    assert "unreadable (see below)" in line, out
    (warning,) = err.splitlines()
    assert warning.startswith(f"warning: the Delta log of {store.uri(KEY)} is damaged"), err
    assert "line 1 is not valid JSON" in warning, err


def test_a_missing_rejected_table_points_at_commands_that_exist(store):
    """`silver_orders__rejected` is written by silver_orders: materializing it means
    materializing silver_orders (there is no src/core/silver_orders__rejected.py)."""
    with pytest.raises(StorageError) as missing:
        store.read("silver_orders__rejected")
    message = str(missing.value)
    assert "materialize silver_orders first, which writes it" in message, message
    assert "--asset silver_orders," in message, message
    assert "src/core/silver_orders.py" in message, message
    assert "silver_orders__rejected.py" not in message, message
