"""The code `polster add-asset --template ...` writes for a bronze asset with a real source.

Pure functions from the user's choices to file contents, filled into the templates of
polster/tooling/scaffolds/: a core module that reads the source as written, a generated test
against a small fixture, and the fixture itself (shipped as a file).
The texts are formatted the way `ruff format` wants them.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from polster.contract.errors import PolsterError
from polster.contract.layout import ASSET_TESTS_DIR, core_module_path, tests_path
from polster.tooling import scaffolds

FILE_TEMPLATES = ("csv", "parquet", "json", "excel")
TEMPLATES = (*FILE_TEMPLATES, "api", "database")
EXTENSIONS = {"csv": "csv", "parquet": "parquet", "json": "json", "excel": "xlsx"}
READERS = {
    "csv": 'CsvReader(separator=",", encoding="utf8")',
    "parquet": "ParquetReader()",
    "json": "JsonReader()",
    "excel": "ExcelReader(sheet={sheet})",
}
WILDCARDS = "*?["
# Above a CSV source: how to type columns and read missing-value markers as null.
CSV_TYPES = """\
# Every column is read as text, "NA" too (bronze keeps what was sent). To read markers as null
# and type columns: CsvReader(null_values=["NA"], schema_overrides={"amount": pl.Float64}),
# with `import polars as pl`; the columns it does not name stay text.
"""
VARIABLE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]*$")
LINE_LENGTH = 100


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


def landing_folder(source: str) -> str | None:
    """The local folder files land in: the source's folders before its first wildcard (a
    source without one names a file, so its folder); None for a URI or a bare file name."""
    if "://" in source:
        return None
    parts = Path(source).parts
    wild = [i for i, part in enumerate(parts) if any(c in part for c in WILDCARDS)]
    folder = parts[: wild[0] if wild else len(parts) - 1]
    return Path(*folder).as_posix() if folder else None


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
            for file, data in fixtures(choice.template, name).items()
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


def quality(checks: str) -> str:
    """The commented start of a bronze source's data quality, suggesting `checks`."""
    return scaffolds.render("source_quality.tmpl", checks=checks)


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
    return scaffolds.render(
        "landing.py.tmpl",
        docstring=docstring,
        imports=", ".join(sorted([class_name, "Landing"])),
        source=CSV_TYPES * (choice.template == "csv")
        + call("SOURCE", "Landing", text(choice.source), reader),
        quality=quality('not_null("_source_file"), unique("id", "_source_file")'),
        words=words,
    )


def file_test(key: str, choice: SourceChoice) -> str:
    # Every format reads the sample the same way but CSV, which keeps all values as text.
    expected = '["9.5", "12", None]' if choice.template == "csv" else "[9.5, 12.0, None]"
    # The sample workbook has one sheet: read it, whichever sheet SOURCE reads in yours.
    sample_reader = (
        "\n    sample = replace(sample, reader=replace(SOURCE.reader, sheet=None))"
        if choice.template == "excel" and choice.sheet
        else ""
    )
    return scaffolds.render(
        "landing_test.py.tmpl",
        key=key,
        expected=expected,
        extension=EXTENSIONS[choice.template],
        sample_reader=sample_reader,
    )


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
    return scaffolds.render(
        "api.py.tmpl",
        docstring=docstring,
        url=text(choice.source),
        url_noqa=noqa(text(choice.source)),
        token_variable=text(variable),
        quality=quality('not_null("id"), unique("id")'),
        words=words,
    )


def api_test(key: str) -> str:
    return scaffolds.render("api_test.py.tmpl", key=key)


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
    return scaffolds.render(
        "database.py.tmpl",
        docstring=docstring,
        source=call("SOURCE", "Query", text(query), f"url_variable={text(choice.source)}"),
        quality=quality('not_null("id"), unique("id")'),
        words=words,
    )


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
    return scaffolds.render(
        "database_test.py.tmpl",
        key=key,
        dataclasses=dataclasses,
        sample_query=sample_query,
        note=note,
        source=source,
    )


# The sample file of each template's generated test (fixtures/ beside the scaffolds).
FIXTURES = {
    "csv": "sample.csv",
    "json": "sample.json",
    "api": "page.json",
    "parquet": "sample.parquet",
    "excel": "sample.xlsx",
}


def fixtures(template: str, name: str) -> dict[str, str | bytes]:
    """The sample data of a template's generated test, by file name."""
    if template in FIXTURES:
        return {FIXTURES[template]: scaffolds.fixture(FIXTURES[template])}
    return {"sample.sql": scaffolds.render("fixtures/sample.sql.tmpl", table=name)}
