"""The code `polster add-asset --template ...` writes for a bronze asset with a real source.

Pure functions from the user's choices to file contents: a core module that reads the
source as written, a generated test against a small fixture, and the fixture itself.
The texts are formatted the way `ruff format` wants them.
"""

from __future__ import annotations

import io
import json
import re
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

from medallion.errors import PolsterError
from medallion.layout import ASSET_TESTS_DIR, core_module_path, tests_path

FILE_TEMPLATES = ("csv", "parquet", "json", "excel")
TEMPLATES = (*FILE_TEMPLATES, "api", "database")
EXTENSIONS = {"csv": "csv", "parquet": "parquet", "json": "json", "excel": "xlsx"}
READERS = {
    "csv": 'CsvReader(separator=",", encoding="utf8")',
    "parquet": "ParquetReader()",
    "json": "JsonReader()",
    "excel": "ExcelReader(sheet={sheet})",
}
VARIABLE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]*$")
LINE_LENGTH = 100
# The sample rows every fixture holds: a quoted separator, a null, a number.
SAMPLE = [
    {"id": "1", "name": "Smith, Ann", "amount": "9.5"},
    {"id": "2", "name": None, "amount": "12"},
    {"id": "3", "name": "Lee", "amount": None},
]


@dataclass(frozen=True)
class SourceChoice:
    """A checked --template with its --source, --query and --sheet."""

    template: str
    source: str
    query: str | None = None
    sheet: str | None = None


def fixtures_path(key: str) -> Path:
    """Where the sample data of the asset's generated test lives."""
    return ASSET_TESTS_DIR / "fixtures" / key


def default_source(template: str, name: str) -> str | None:
    if template in FILE_TEMPLATES:
        return f"landing/{name}/*.{EXTENSIONS[template]}"
    if template == "database":
        return f"{name.upper()}_DATABASE_URL"
    return None  # an API has no sensible default URL


def check_source(
    layer: str,
    name: str,
    template: str,
    source: str | None,
    query: str | None,
    sheet: str | None,
) -> SourceChoice:
    """The checked choice, or PolsterError naming the option to fix."""
    if template not in TEMPLATES:
        msg = f"unknown template '{template}': choose {', '.join(TEMPLATES)}"
        raise PolsterError(msg)
    if layer != "bronze":
        msg = "--template reads a source, which only bronze assets do: use --layer bronze"
        raise PolsterError(msg)
    if query is not None and template != "database":
        msg = "--query is for --template database: drop it"
        raise PolsterError(msg)
    if sheet is not None and template != "excel":
        msg = "--sheet is for --template excel: drop it"
        raise PolsterError(msg)
    source = source or default_source(template, name)
    if template == "api" and not (source or "").startswith(("http://", "https://")):
        msg = "--template api needs --source with the URL of the first page (https://...)"
        raise PolsterError(msg)
    if template == "database" and not VARIABLE_PATTERN.match(source or ""):
        msg = (
            f"--source {source!r} must name the .env variable that holds the connection URL, "
            f"e.g. {name.upper()}_DATABASE_URL (URLs hold passwords: never put one in code)"
        )
        raise PolsterError(msg)
    if template == "database" and query is not None and not query.strip():
        msg = "--query is empty: give the SQL, e.g. --query 'select * from orders'"
        raise PolsterError(msg)
    return SourceChoice(template, source or "", query, sheet)


def source_files(key: str, name: str, choice: SourceChoice) -> dict[Path, str | bytes]:
    """Every file of the asset except its Dagster wrapper, relative to the project root."""
    if choice.template in FILE_TEMPLATES:
        module, test = file_module(key, name, choice), file_test(key, choice)
    elif choice.template == "api":
        module, test = api_module(key, name, choice), api_test(key)
    else:
        module, test = database_module(key, name, choice), database_test(key, name, choice)
    return {
        core_module_path(key): module,
        tests_path(key): test,
        **{
            fixtures_path(key) / file: data
            for file, data in fixtures(choice.template, name, choice.sheet).items()
        },
    }


def text(value: str) -> str:
    """A Python string literal, double-quoted as ruff format writes it."""
    return json.dumps(value, ensure_ascii=False)


def module_docstring(summary: str, *paragraphs: str) -> str:
    """A module docstring: each paragraph wrapped to the line length."""
    filled = [textwrap.fill(f'"""{summary}', LINE_LENGTH)]
    filled += [textwrap.fill(" ".join(paragraph.split()), LINE_LENGTH) for paragraph in paragraphs]
    return "\n\n".join(filled) + '\n"""'


def noqa(argument: str) -> str:
    """A long line's noqa, where ruff counts it: a long string with spaces (SQL, not a URL)."""
    return "  # noqa: E501" if len(argument) + 5 > LINE_LENGTH and " " in argument else ""


def call(name: str, function: str, *arguments: str) -> str:
    """`name = function(arguments)`, one argument per line when it does not fit on one."""
    line = f"{name} = {function}({', '.join(arguments)})"
    if len(line) <= LINE_LENGTH:
        return line
    lines = [f"    {argument}," + noqa(argument) for argument in arguments]
    return f"{name} = {function}(\n" + "\n".join(lines) + "\n)"


QUALITY = """\
# Data quality (see README.md, Data quality): uncomment and adapt. On bronze a failed
# check warns (the run goes on); silver is where rows are refused.
#
# from medallion.quality import min_rows, not_null, unique
#
# CHECKS = [min_rows(1), {checks}]
"""


def file_module(key: str, name: str, choice: SourceChoice) -> str:
    words = name.replace("_", " ")
    reader = READERS[choice.template].format(sheet=text(choice.sheet) if choice.sheet else None)
    class_name = reader.partition("(")[0]
    label = "Excel" if choice.template == "excel" else choice.template.upper()
    docstring = module_docstring(
        f"Bronze asset {key}: the {label} files that land where SOURCE points.",
        "Drop files there (the glob is relative to the project root, or an abfss:// URI) and "
        "run the pipeline: each file is ingested once, new files are appended, and a file "
        "that changes (size or modification time) replaces the rows it gave before. Files are "
        "never moved or deleted. Every row says where it came from: _source_file, "
        "_source_size, _source_modified and _ingested_at.",
        f"What was ingested: polster ingested {key}",
    )
    return f'''{docstring}

from core.landing import Landing
from core.sources.files import {class_name}

{call("SOURCE", "Landing", text(choice.source), reader)}

{QUALITY.format(checks='not_null("_source_file"), unique("id", "_source_file")')}

def extract() -> Landing:
    """Raw {words}, as received in the landed files."""
    return SOURCE


if __name__ == "__main__":
    from core.standalone import main

    main(extract)
'''


def file_test(key: str, choice: SourceChoice) -> str:
    # Every format reads the sample the same way but CSV, which keeps all values as text.
    expected = '["9.5", "12", None]' if choice.template == "csv" else "[9.5, 12.0, None]"
    return f'''"""Tests of {key} on sample data."""

from dataclasses import replace
from pathlib import Path

from core.{key} import SOURCE
from core.landing import INGESTED_AT, SOURCE_FILE

ASSET = "{key}"
FIXTURES = Path(__file__).parent / "fixtures" / ASSET  # written by add-asset


def test_the_sample_file_is_read_row_by_row_with_where_it_came_from():
    sample = replace(SOURCE, pattern=str(FIXTURES / f"*.{{SOURCE.reader.extension}}"))

    rows = sample.lazy().collect()

    assert rows["name"].to_list() == ["Smith, Ann", None, "Lee"]
    assert rows["amount"].to_list() == {expected}
    assert rows[SOURCE_FILE].str.ends_with("sample.{EXTENSIONS[choice.template]}").all()
    assert rows[INGESTED_AT].null_count() == 0
'''


def api_module(key: str, name: str, choice: SourceChoice) -> str:
    words = name.replace("_", " ")
    variable = f"{name.upper()}_API_TOKEN"
    docstring = module_docstring(
        f"Bronze asset {key}: the records of an HTTP API, fetched in full on every run.",
        "The API's JSON records (a top-level list, the list under data, items, results or "
        "records, or under records_key) are followed across pages: a Link header, a `next` "
        'field, or page numbers with page_parameter="page". 429, 5xx and connection errors '
        "are retried with a growing wait.",
        f"If the API needs a token, put it in .env as {variable}=...; it is sent as a bearer "
        "token and never logged.",
    )
    return f'''{docstring}

import polars as pl

from core.sources.api import Api, fetch_records, records_frame

SOURCE = Api(
    {text(choice.source)},{noqa(text(choice.source))}
    token_variable={text(variable)},
    records_key=None,  # or the key of the records list, e.g. "data"
    page_parameter=None,  # or "page": ask for pages 1, 2, ... until one is empty
    timeout=30.0,  # seconds per request
    attempts=4,  # per page: 429, 5xx and connection errors are retried
    backoff=1.0,  # seconds before the first retry, doubled each time
)

{QUALITY.format(checks='not_null("id"), unique("id")')}

def to_frame(records: list[dict]) -> pl.DataFrame:
    """The records as rows: nested objects become structs, every row gets _ingested_at."""
    return records_frame(records, SOURCE)


def extract() -> pl.DataFrame:
    """Raw {words}, as the API sends them."""
    return to_frame(fetch_records(SOURCE))


if __name__ == "__main__":
    from core.standalone import main

    main(extract)
'''


def api_test(key: str) -> str:
    return f'''"""Tests of {key} on sample data (no network)."""

import json
from pathlib import Path

from core.{key} import SOURCE, to_frame
from core.sources.api import records_of

ASSET = "{key}"
PAGE = Path(__file__).parent / "fixtures" / ASSET / "page.json"  # written by add-asset


def test_a_page_of_records_becomes_rows():
    records = records_of(json.loads(PAGE.read_text()), SOURCE.records_key, str(PAGE))

    rows = to_frame(records)

    assert rows["name"].to_list() == ["Smith, Ann", None, "Lee"]
    assert rows["_ingested_at"].null_count() == 0
'''


def database_module(key: str, name: str, choice: SourceChoice) -> str:
    words = name.replace("_", " ")
    query = choice.query or f"select * from {name}"
    docstring = module_docstring(
        f"Bronze asset {key}: the result of one SQL query, read in full on every run.",
        f"The connection URL is read from .env, never from code, as {choice.source}: "
        "postgresql://user:password@host:5432/database, mssql://user:password@host:1433/db "
        "(SQL Server, Azure SQL), sqlite:///path/relative/to/the/project.db or "
        "sqlite:////absolute/path.db. Rows are fetched in batches while the table is written.",
    )
    return f'''{docstring}

import polars as pl

from core.sources.database import Query

{call("SOURCE", "Query", text(query), f"url_variable={text(choice.source)}")}

{QUALITY.format(checks='not_null("id"), unique("id")')}

def extract() -> pl.LazyFrame:
    """Raw {words}, as the database holds them."""
    return SOURCE.read()


if __name__ == "__main__":
    from core.standalone import main

    main(extract)
'''


def database_test(key: str, name: str, choice: SourceChoice) -> str:
    default = f"select * from {name}"
    if choice.query in (None, default):
        source, note = "SOURCE", ""
    else:
        # The sample knows one table; the user's own query needs a sample of its tables.
        source = "replace(SOURCE, sql=SAMPLE_QUERY)"
        note = "\n    # Your QUERY needs its own tables: add them to sample.sql, then test SOURCE."
    custom = choice.query not in (None, default)
    dataclasses = "from dataclasses import replace\n" if custom else ""
    sample_query = f"SAMPLE_QUERY = {text(default)}\n" if custom else ""
    return f'''"""Tests of {key} on sample data (SQLite)."""

import sqlite3
{dataclasses}from pathlib import Path

from core.{key} import SOURCE

ASSET = "{key}"
SAMPLE = Path(__file__).parent / "fixtures" / ASSET / "sample.sql"  # written by add-asset
{sample_query}

def test_the_query_reads_the_sample_database(tmp_path, monkeypatch):
    # Adapt sample.sql when the query needs other tables or columns.
    database = tmp_path / "sample.db"
    with sqlite3.connect(database) as connection:
        connection.executescript(SAMPLE.read_text())
    monkeypatch.setenv(SOURCE.url_variable, f"sqlite:///{{database}}"){note}

    rows = {source}.read().collect()

    assert rows["name"].to_list() == ["Smith, Ann", None, "Lee"]
    assert rows["_ingested_at"].null_count() == 0
'''


def fixtures(template: str, name: str, sheet: str | None = None) -> dict[str, str | bytes]:
    """The sample data of a template's generated test, by file name."""
    if template == "csv":
        return {"sample.csv": 'id,name,amount\n1,"Smith, Ann",9.5\n2,,12\n3,Lee,\n'}
    typed = [{**row, "id": int(row["id"]), "amount": _number(row["amount"])} for row in SAMPLE]
    if template == "json":
        return {"sample.json": "".join(json.dumps(row) + "\n" for row in typed)}
    if template == "api":
        return {"page.json": json.dumps({"data": typed, "next": None}, indent=2) + "\n"}
    if template == "parquet":
        import polars as pl  # only this template needs it

        buffer = io.BytesIO()
        pl.DataFrame(typed).write_parquet(buffer)
        return {"sample.parquet": buffer.getvalue()}
    if template == "excel":
        rows = [list(row.values()) for row in typed]
        return {"sample.xlsx": xlsx(["id", "name", "amount"], rows, sheet or "Sheet1")}
    values = ", ".join(
        f"({row['id']}, {_sql(row['name'])}, {row['amount'] or 'null'})" for row in typed
    )
    return {
        "sample.sql": (
            "-- The sample the generated test loads into SQLite: adapt it to your query.\n"
            f"create table {name} (id integer primary key, name text, amount real);\n"
            f"insert into {name} values {values};\n"
        )
    }


def _number(value: str | None) -> float | None:
    return None if value is None else float(value)


def _sql(value: str | None) -> str:
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


def _xml(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def xlsx(header: list[str], rows: list[list[object]], sheet: str) -> bytes:
    """A minimal .xlsx workbook with one sheet (the Office Open XML parts)."""
    cells = [header, *rows]

    def cell(column: int, row: int, value: object) -> str:
        ref = f"{chr(ord('A') + column)}{row}"
        if value is None:
            return ""
        if isinstance(value, int | float):
            return f'<c r="{ref}"><v>{value}</v></c>'
        return f'<c r="{ref}" t="inlineStr"><is><t>{_xml(str(value))}</t></is></c>'

    sheet_rows = "".join(
        f'<row r="{number}">'
        + "".join(cell(column, number, value) for column, value in enumerate(line))
        + "</row>"
        for number, line in enumerate(cells, start=1)
    )
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relations}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
            f'xmlns:r="{relations}"><sheets><sheet name="{_xml(sheet)}" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Type="{relations}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
            f"<sheetData>{sheet_rows}</sheetData></worksheet>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            # A fixed date keeps the fixture byte-identical from one scaffold to the next.
            archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()
