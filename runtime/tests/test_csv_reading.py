"""Landed CSV files: text by default (bronze keeps what was sent), typed columns and
missing-value markers when the module asks for them; a partitioned CSV template is refused
with the way to read a day's file."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pytest
from polster import CsvReader, Landing, PolsterError
from polster.tooling import source_templates
from polster.tooling.assets import check_partitions
from polster.tooling.source_templates import SourceChoice

PENGUINS = "id,body_mass_g,sex\n1,3750,male\n2,NA,NA\n3,,female\n"


@pytest.fixture
def landing(tmp_path):
    folder = tmp_path / "landing folder" / "penguins"
    folder.mkdir(parents=True)
    (folder / "2024-01-01.csv").write_text(PENGUINS)
    return f"{folder}/*.csv"


def test_every_column_is_text_and_na_is_a_value_by_default(landing):
    frame = Landing(landing, CsvReader()).lazy().collect()
    assert frame.schema["body_mass_g"] == pl.String
    assert frame["body_mass_g"].to_list() == ["3750", "NA", None]


def test_null_values_and_schema_overrides_type_the_columns_they_name(landing):
    reader = CsvReader(null_values=["NA"], schema_overrides={"body_mass_g": pl.Int64})
    frame = Landing(landing, reader).lazy().collect()
    assert frame.schema["body_mass_g"] == pl.Int64
    assert frame["body_mass_g"].to_list() == [3750, None, None]
    assert frame["sex"].to_list() == ["male", None, "female"]  # the other columns stay text
    assert frame.schema["id"] == pl.String


def test_the_options_hold_for_other_encodings_too(landing, tmp_path):
    latin = tmp_path / "latin" / "penguins.csv"
    latin.parent.mkdir()
    latin.write_bytes("id,body_mass_g,island\n1,NA,Biscoe é\n".encode("latin-1"))
    reader = CsvReader(encoding="latin-1", null_values="NA", schema_overrides={"id": pl.Int32})
    frame = reader.scan(str(latin)).collect()
    assert frame.rows() == [(1, None, "Biscoe é")]
    assert frame.schema["id"] == pl.Int32


def test_a_value_that_does_not_parse_is_one_line_naming_the_column(tmp_path):
    folder = tmp_path / "landing folder"
    folder.mkdir()
    (folder / "bad.csv").write_text("id,body_mass_g\n1,heavy\n")
    landing = Landing(f"{folder}/*.csv", CsvReader(schema_overrides={"body_mass_g": pl.Int64}))
    with pytest.raises(pl.exceptions.ComputeError) as raised:
        landing.lazy().collect()
    message = str(landing.explain(raised.value, landing.files()))
    assert "\n" not in message
    assert "could not parse `heavy` as dtype `i64` at column 'body_mass_g'" in message


def test_a_partitioned_csv_template_is_refused_with_the_way_to_read_a_day(sample_project):
    choice = SourceChoice("csv", "landing/weather/*.csv")
    with pytest.raises(PolsterError) as refused:
        check_partitions("daily", "2024-01-01", None, choice, date(2024, 6, 1))
    message = str(refused.value)
    assert "\n" not in message
    assert "add the asset without --template and read that file in extract(partition)" in message
    assert "Incremental pipelines" in message


def test_the_csv_scaffold_suggests_options_that_work(tmp_path):
    """The comment `add-asset --template csv` writes above SOURCE, run on a file."""
    (tmp_path / "orders.csv").write_text("id,amount\n1,9.5\n2,NA\n")
    suggested = re.search(r"(CsvReader\(.*\)),\n", source_templates.CSV_TYPES)
    assert suggested, source_templates.CSV_TYPES
    reader = eval(suggested.group(1), {"CsvReader": CsvReader, "pl": pl})
    frame = reader.scan(str(tmp_path / "orders.csv")).collect()
    assert frame.rows() == [("1", 9.5), ("2", None)]
