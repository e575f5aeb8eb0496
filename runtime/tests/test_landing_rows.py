"""Landed CSV files whose rows do not match their header are refused, naming the file and
the line, before anything is written; so is an empty file."""

import pytest
from polster.core.landing import Landing
from polster.core.sources import SourceError
from polster.core.sources.files import CsvReader

HEADER = "id,name,amount\n"


def land(store, folder, files: dict[str, str]):
    """Write `files` into `folder`, then ingest the folder into bronze_orders."""
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return store.write("bronze_orders", Landing(f"{folder}/*.csv", CsvReader()))


@pytest.mark.parametrize(
    ("rows", "found"),
    [
        ("1,Ann,5\n2,Bob\n3,Cy,7\n", 2),  # a field too few
        ('1,Ann,5\n2,"Bob, Jr",6,x\n', 4),  # a field too many (a quoted comma is one field)
        ("1,Ann,5\n2,Bo", 2),  # the last row cut mid-way
    ],
    ids=["too-few", "too-many", "cut"],
)
def test_a_row_with_another_number_of_fields_is_refused_with_file_and_line(
    store, tmp_path, rows, found
):
    with pytest.raises(SourceError) as refused:
        land(store, tmp_path / "landing", {"a.csv": HEADER + rows})

    expected = f"landing/a.csv line 3 has {found} fields where its header has 3"
    assert expected in str(refused.value)
    assert not store.exists("bronze_orders")


def test_the_file_at_fault_is_named_not_one_ingested_before(store, tmp_path):
    folder = tmp_path / "landing"
    land(store, folder, {"a.csv": HEADER + '1,"Ann, Sr",5\n'})

    with pytest.raises(SourceError, match=r"b\.csv line 2 has 4 fields") as refused:
        land(store, folder, {"b.csv": HEADER + "2,Bob,6,x\n"})
    assert "a.csv" not in str(refused.value)
    assert store.read("bronze_orders").collect()["id"].to_list() == ["1"]


def test_quoted_fields_with_separators_and_line_breaks_are_fine(store, tmp_path):
    written = land(store, tmp_path / "landing", {"a.csv": HEADER + '1,"Ann,\nSr",""\n2,Bob,\n'})

    rows = store.read("bronze_orders").select("id", "name", "amount").collect()
    assert written.row_count == 2
    assert rows.sort("id").rows() == [("1", "Ann,\nSr", ""), ("2", "Bob", None)]


def test_an_empty_landed_file_is_named(store, tmp_path):
    with pytest.raises(SourceError, match=r"landing/empty\.csv is empty \(0 bytes\)"):
        land(store, tmp_path / "landing", {"a.csv": HEADER + "1,Ann,5\n", "empty.csv": ""})
    assert not store.exists("bronze_orders")
