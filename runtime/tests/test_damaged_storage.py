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
