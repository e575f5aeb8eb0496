"""A landing folder is never read outside itself: symbolic links to files elsewhere (the
project's .env, a file outside the project) are skipped, with one line saying so."""

from pathlib import Path

import pytest
from polster.core.landing import Landing
from polster.core.sources.files import CsvReader

SECRET_LINE = "CRM_API_TOKEN=ApiT0kenSECRET-never-elsewhere"


@pytest.fixture
def landing(sample_project: Path, tmp_path: Path) -> Path:
    """landing/links/ in the sample project: one real CSV, and links that lead outside."""
    folder = sample_project / "landing" / "links"
    folder.mkdir(parents=True)
    (folder / "orders.csv").write_text("id,name\n1,Ann\n")
    (sample_project / ".env.links").write_text(f"{SECRET_LINE}\n")
    outside = tmp_path / "outside.csv"
    outside.write_text("id,name\n2,Eve\n")
    (folder / "outside.csv").symlink_to(outside)
    (folder / "dotenv.csv").symlink_to(Path("..", "..", ".env.links"))
    (folder / "nested").symlink_to(tmp_path, target_is_directory=True)
    (folder / "same.csv").symlink_to("orders.csv")  # a link that stays inside is a file
    yield folder
    for path in (*folder.iterdir(), sample_project / ".env.links"):
        path.unlink()
    folder.rmdir()


def test_links_leading_outside_the_landing_folder_are_skipped(landing, capsys):
    source = Landing("landing/links/**/*.csv", CsvReader())

    files = [file.path for file in source.files()]
    rows = source.batch({}).frame.collect()

    assert files == ["landing/links/orders.csv", "landing/links/same.csv"]
    assert sorted(rows["name"].to_list()) == ["Ann", "Ann"]
    assert SECRET_LINE.partition("=")[2] not in str(rows.to_dicts())
    warnings = capsys.readouterr().err.strip().splitlines()
    assert len(warnings) == 2  # one line per listing (files, then batch)
    assert warnings[0].startswith("warning: skipped 3 file(s) of landing/links/**/*.csv")
    assert "dotenv.csv, outside.csv, outside.csv" in warnings[0]
