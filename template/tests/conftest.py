"""Shared fixtures: real Delta tables in a temporary folder, never the project's data/."""

import pytest

from core.storage import TableStore


@pytest.fixture
def store(tmp_path):
    """A table store rooted in this test's temporary folder."""
    return TableStore(root=str(tmp_path / "data"))
