"""Bronze assets on real sources: landed files, a local HTTP API, SQLite and PostgreSQL.

One project is rendered (under a folder with a space) and every template is scaffolded
into it with `polster add-asset --template ...`; each asset then runs as a user runs it
(`python src/core/<key>.py`, `python run_polster.py`), on files this module writes, a
real HTTP server (pytest-httpserver), a real SQLite file and a real PostgreSQL server.
Every bad input must give exactly one line, exit code 1, and leave the table as it was.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from deltalake import DeltaTable
from polars.testing import assert_frame_equal

from tests.conftest import (
    PYTHON,
    asset_table,
    edit,
    make,
    one_line_failure,
    polster,
    project_env,
    render_project,
    run,
    table_path,
    without_dagster_telemetry,
)
from tests.ports import free_port
from tests.readme_commands import section_commands

pytestmark = pytest.mark.xdist_group("sources")
TOKEN = "s3cret-token-value"
FILE_COLUMNS = ["_source_file", "_source_size", "_source_modified", "_ingested_at"]


@pytest.fixture(scope="module")
def project(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = render_project(template_src, tmp_path_factory.mktemp("sources") / "shop sources")
    without_dagster_telemetry(project)
    return project


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)  # servers bind to 127.0.0.1 only


def add(project: Path, name: str, template: str, *options: str) -> None:
    layer = ["--layer", "bronze", "--name", name, "--template", template]
    polster(project, "add-asset", *layer, *options)


def run_module(project: Path, key: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python src/core/<key>.py`, as a user runs one asset."""
    environment = {**project_env(project), **env}
    return run([PYTHON, f"src/core/{key}.py"], project, check=False, env=environment)


def version(project: Path, key: str) -> int:
    return DeltaTable(str(table_path(project, key))).version()


def rows_by_file(project: Path, key: str) -> dict[str, list[str]]:
    frame = asset_table(project, key).sort("_source_file", "id")
    return {
        Path(path).name: group["id"].cast(pl.String).to_list()
        for (path,), group in frame.group_by("_source_file", maintain_order=True)
    }


def write_csv(path: Path, text: str) -> None:
    path.write_text(text)
    # A rewrite must look changed even on file systems with coarse timestamps.
    stamp = time.time_ns() + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


def test_csv_landing_ingests_each_file_once_and_a_changed_file_replaces_its_rows(project):
    make(project, "add-asset", LAYER="bronze", NAME="orders", TEMPLATE="csv")
    landing = project / "landing" / "orders"
    assert landing.is_dir()
    failed = run(
        [PYTHON, "run_polster.py", "--asset", "bronze_orders"],
        project,
        check=False,
        env=project_env(project),
    )
    one_line_failure(failed, "no file matches landing/orders/*.csv")
    assert not table_path(project, "bronze_orders").exists()

    write_csv(landing / "a.csv", 'id,name,note\n1,"Smith, Ann","said ""hi"""\n2,,\n')
    write_csv(landing / "b.csv", "id,name,note\n3,Lee,x\n")
    dagster_run = run(
        [PYTHON, "run_polster.py", "--asset", "bronze_orders"], project, env=project_env(project)
    )
    assert "succeeded" in dagster_run.stdout
    first = asset_table(project, "bronze_orders").sort("id")
    assert first.columns == ["id", "name", "note", *FILE_COLUMNS]
    assert first["name"].to_list() == ["Smith, Ann", None, "Lee"]  # quoting and nulls
    assert first["note"].to_list() == ['said "hi"', None, "x"]
    assert first["_source_file"].to_list() == [
        "landing/orders/a.csv",
        "landing/orders/a.csv",
        "landing/orders/b.csv",
    ]
    assert first["_ingested_at"].null_count() == 0

    write_csv(landing / "c.csv", "id,name,note\n4,Kim,\n")
    again = run_module(project, "bronze_orders")
    assert again.returncode == 0, again.stderr
    assert "landing/orders/c.csv" in again.stdout
    assert rows_by_file(project, "bronze_orders") == {
        "a.csv": ["1", "2"],
        "b.csv": ["3"],
        "c.csv": ["4"],
    }
    assert version(project, "bronze_orders") == 1

    unchanged = run_module(project, "bronze_orders")
    assert "no new or changed files" in unchanged.stdout
    assert version(project, "bronze_orders") == 1  # nothing new: no version

    write_csv(landing / "b.csv", "id,name,note\n30,Lee,y\n31,Lee,z\n")
    run_module(project, "bronze_orders")
    assert rows_by_file(project, "bronze_orders") == {
        "a.csv": ["1", "2"],
        "b.csv": ["30", "31"],
        "c.csv": ["4"],
    }

    history = DeltaTable(str(table_path(project, "bronze_orders"))).history()
    added = [json.loads(commit["polster_ingested_files"]) for commit in history]
    assert [[Path(file["path"]).name for file in files] for files in added] == [
        ["b.csv"],
        ["c.csv"],
        ["a.csv", "b.csv"],
    ]  # newest first
    listing = polster(project, "ingested", "orders").stdout
    assert "bronze_orders: 3 file(s) ingested" in listing
    assert re.search(r"^\s+2 .* 2 \s+\d+\s+landing/orders/b\.csv$", listing, re.M), listing
    assert re.search(r"^\s+0 .* 2 \s+\d+\s+landing/orders/a\.csv$", listing, re.M), listing


SENSOR_SCRIPT = """
import json, os, sys
import dagster as dg
from polster.core.storage import default_store
from polster.orchestration.definitions import build_definitions

defs = build_definitions(default_store())
sensor = defs.resolve_sensor_def("bronze_orders_landing")
report = {"default_status": sensor.default_status.value}
os.makedirs(sys.argv[1])
with dg.DagsterInstance.local_temp(tempdir=sys.argv[1]) as instance:
    ticks = []
    for _ in range(3):
        context = dg.build_sensor_context(instance=instance, definitions=defs)
        tick = sensor.evaluate_tick(context)
        ticks.append({
            "skip": tick.skip_message,
            "cursor": tick.cursor,
            "requests": [
                {"run_key": r.run_key, "tags": r.tags,
                 "assets": [k.to_user_string() for k in r.asset_selection]}
                for r in tick.run_requests
            ],
        })
        for request in tick.run_requests:
            result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
                instance=instance, asset_selection=request.asset_selection, tags=request.tags
            )
            ticks[-1]["run_succeeded"] = result.success
    report["ticks"] = ticks
print(json.dumps(report))
"""


def test_the_landing_sensor_starts_a_run_for_new_files_through_dagster(project, tmp_path):
    if not (project / "src" / "core" / "bronze_orders.py").exists():  # run on its own
        make(project, "add-asset", LAYER="bronze", NAME="orders", TEMPLATE="csv")
    if not table_path(project, "bronze_orders").exists():
        write_csv(project / "landing" / "orders" / "a.csv", "id,name,note\n1,Ann,\n")
        command = [PYTHON, "run_polster.py", "--asset", "bronze_orders"]
        run(command, project, env=project_env(project))
    landed = len(list((project / "landing" / "orders").glob("*.csv")))
    write_csv(project / "landing" / "orders" / "d.csv", "id,name,note\n5,Ray,\n")
    script = tmp_path / "sensor.py"
    script.write_text(SENSOR_SCRIPT)
    result = run(
        [PYTHON, str(script), str(tmp_path / "instance")], project, env=project_env(project)
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["default_status"] == "RUNNING"
    fired, after = report["ticks"][0], report["ticks"][1]
    (request,) = fired["requests"]
    assert request["assets"] == ["bronze_orders"]
    assert request["tags"]["polster/landed_files"] == "1: landing/orders/d.csv"
    assert request["run_key"] == f"bronze_orders:{fired['cursor']}"
    assert fired["run_succeeded"] is True
    assert after["requests"] == []
    assert after["skip"].startswith(f"nothing new: {landed + 1} file(s) seen")
    assert rows_by_file(project, "bronze_orders")["d.csv"] == ["5"]


# --- files: the other formats --------------------------------------------------------------


def test_parquet_json_lines_and_arrays_are_read_with_their_types(project):
    add(project, "events", "parquet")
    pl.DataFrame({"id": [1, 2], "amount": [9.5, None]}).write_parquet(
        project / "landing" / "events" / "part 1.parquet"
    )
    assert run_module(project, "bronze_events").returncode == 0
    events = asset_table(project, "bronze_events").sort("id")
    assert_frame_equal(
        events.select("id", "amount"), pl.DataFrame({"id": [1, 2], "amount": [9.5, None]})
    )
    assert events["_source_file"].to_list() == ["landing/events/part 1.parquet"] * 2

    add(project, "clicks", "json")
    folder = project / "landing" / "clicks"
    (folder / "lines.json").write_text('{"id": 1, "page": "home"}\n{"id": 2, "page": null}\n')
    (folder / "array.json").write_text('[{"id": 3, "page": "cart"}]')
    assert run_module(project, "bronze_clicks").returncode == 0
    clicks = asset_table(project, "bronze_clicks").sort("id")
    assert clicks["id"].to_list() == [1, 2, 3]
    assert clicks["page"].to_list() == ["home", None, "cart"]


def write_workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    with xlsxwriter.Workbook(str(path)) as workbook:
        for name, rows in sheets.items():
            sheet = workbook.add_worksheet(name)
            for number, row in enumerate(rows):
                sheet.write_row(number, 0, row)


def test_excel_reads_the_chosen_sheet_of_a_real_workbook(project):
    add(project, "budget", "excel", "--sheet", "Budget")
    folder = project / "landing" / "budget"
    write_workbook(
        folder / "2024.xlsx",
        {"Notes": [["read me"]], "Budget": [["team", "amount"], ["ops", 120.5], ["it", 80]]},
    )
    assert run_module(project, "bronze_budget").returncode == 0
    budget = asset_table(project, "bronze_budget").sort("team")
    assert budget["team"].to_list() == ["it", "ops"]
    assert budget["amount"].to_list() == [80.0, 120.5]

    write_workbook(folder / "2025.xlsx", {"Sheet1": [["team", "amount"], ["hr", 5]]})
    failed = run_module(project, "bronze_budget")
    one_line_failure(failed, "landing/budget/2025.xlsx has no sheet 'Budget'", "Sheet1")
    assert version(project, "bronze_budget") == 0


# --- files: every bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("ragged", b"id,name\n1,a\n2,b,extra\n", ["landing/bad/ragged.csv line 3 has 3 fields"]),
        ("quote", b'id,name\n1,"open\n', ["landing/bad/quote.csv line", "malformed"]),
        ("latin", b"id,name\n1,caf\xe9\n", ["landing/bad/latin.csv is not utf-8", "encoding="]),
        ("header", b"id,title\n9,x\n", ["landing/bad/header.csv: header changed", "new title"]),
    ],
)
def test_a_bad_file_fails_in_one_line_and_keeps_the_last_good_table(
    project, name, content, expected
):
    folder = project / "landing" / "bad"
    if not folder.exists():
        add(project, "bad", "csv")
    for old in folder.iterdir():
        if old.name != "good.csv":
            old.unlink()
    write_csv(folder / "good.csv", "id,name\n1,a\n")
    assert run_module(project, "bronze_bad").returncode == 0
    before = version(project, "bronze_bad")

    (folder / f"{name}.csv").write_bytes(content)
    one_line_failure(run_module(project, "bronze_bad"), *expected)
    assert version(project, "bronze_bad") == before
    assert rows_by_file(project, "bronze_bad") == {"good.csv": ["1"]}


def test_a_latin1_file_reads_with_the_encoding_option(project):
    add(project, "legacy", "csv")
    (project / "landing" / "legacy" / "old.csv").write_bytes(b"id,name\n1,caf\xe9\n")
    edit(project / "src/core/bronze_legacy.py", 'encoding="utf8"', 'encoding="latin-1"')
    assert run_module(project, "bronze_legacy").returncode == 0
    assert asset_table(project, "bronze_legacy")["name"].to_list() == ["café"]


# --- HTTP API ------------------------------------------------------------------------------


def set_env_file(project: Path, **values: str) -> None:
    lines = [f"{name}={value}" for name, value in values.items()]
    (project / ".env").write_text("\n".join(lines) + "\n")


def test_api_follows_pages_through_429_and_500_with_the_token(project, httpserver):
    url = httpserver.url_for("/v1/orders")
    add(project, "api_orders", "api", "--source", f"{url}?api_key=k3y-in-url")
    module = project / "src/core/bronze_api_orders.py"
    edit(module, "backoff=1.0", "backoff=0.05")
    set_env_file(project, API_ORDERS_API_TOKEN=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    first = {"api_key": "k3y-in-url"}
    httpserver.expect_ordered_request(
        "/v1/orders", query_string=first, headers=auth
    ).respond_with_data("slow down", status=429, headers={"Retry-After": "0"})
    httpserver.expect_ordered_request(
        "/v1/orders", query_string=first, headers=auth
    ).respond_with_json(
        {"data": [{"id": 1, "name": "Ann"}, {"id": 2, "name": None}]},
        headers={"Link": '</v1/orders?cursor=2>; rel="next"'},
    )
    second = {"cursor": "2"}
    httpserver.expect_ordered_request(
        "/v1/orders", query_string=second, headers=auth
    ).respond_with_data("oops", status=500)
    httpserver.expect_ordered_request(
        "/v1/orders", query_string=second, headers=auth
    ).respond_with_json(
        {
            "items": [{"id": 3, "name": "Lee", "address": {"city": "Oslo"}}],
            "next": "/v1/orders?cursor=3",
        }
    )
    httpserver.expect_ordered_request(
        "/v1/orders", query_string={"cursor": "3"}, headers=auth
    ).respond_with_json({"results": [], "next": None})

    result = run_module(project, "bronze_api_orders")

    assert result.returncode == 0, [(r.url, dict(r.headers)) for r, _ in httpserver.log]
    httpserver.check_assertions()
    rows = asset_table(project, "bronze_api_orders").sort("id")
    assert rows["id"].to_list() == [1, 2, 3]
    assert rows["name"].to_list() == ["Ann", None, "Lee"]
    assert rows["address"].struct.field("city").to_list() == [None, None, "Oslo"]
    assert rows["_source"].unique().to_list() == [f"{url}?api_key=%2A%2A%2A"]
    table_log = "".join(
        p.read_text()
        for p in (table_path(project, "bronze_api_orders") / "_delta_log").glob("*.json")
    )
    for secret in (TOKEN, "k3y-in-url"):
        assert secret not in result.stdout + result.stderr + table_log


def test_api_page_numbers_until_an_empty_page(project, httpserver):
    add(project, "pages", "api", "--source", httpserver.url_for("/items"))
    edit(project / "src/core/bronze_pages.py", "page_parameter=None", 'page_parameter="page"')
    for page, records in (("1", [{"id": 1}]), ("2", [{"id": 2}]), ("3", [])):
        httpserver.expect_ordered_request("/items", query_string={"page": page}).respond_with_json(
            records
        )
    assert run_module(project, "bronze_pages").returncode == 0
    assert asset_table(project, "bronze_pages")["id"].sort().to_list() == [1, 2]


def test_api_failures_say_status_url_and_what_was_retried(project, httpserver):
    add(project, "flaky", "api", "--source", httpserver.url_for("/flaky") + "?token=abc123")
    edit(project / "src/core/bronze_flaky.py", "backoff=1.0", "backoff=0.01")
    set_env_file(project, FLAKY_API_TOKEN=TOKEN)
    httpserver.expect_request("/flaky").respond_with_data("down", status=503)
    line = one_line_failure(
        run_module(project, "bronze_flaky"), "failed 4 times (503, 503, 503, 503)"
    )
    assert "/flaky?token=%2A%2A%2A" in line
    assert "abc123" not in line
    assert TOKEN not in line
    assert not table_path(project, "bronze_flaky").exists()

    httpserver.clear()
    httpserver.expect_request("/flaky").respond_with_data("no", status=401)
    line = one_line_failure(
        run_module(project, "bronze_flaky"), "refused the token in FLAKY_API_TOKEN (HTTP 401)"
    )
    assert TOKEN not in line
    # Through Dagster: one line, and no secret in the output or the saved run summary.
    dagster_run = run(
        [PYTHON, "run_polster.py", "--asset", "bronze_flaky"],
        project,
        check=False,
        env=project_env(project),
    )
    one_line_failure(dagster_run, "at bronze_flaky: GET", "(HTTP 401)")
    summary = max((project / "reports").glob("*/summary.json"), key=lambda p: p.stat().st_mtime)
    saved = summary.read_text() + summary.with_suffix(".md").read_text()
    for output in (dagster_run.stdout + dagster_run.stderr, saved):
        assert TOKEN not in output
        assert "abc123" not in output

    closed = f"http://127.0.0.1:{free_port()}/gone"
    add(project, "gone", "api", "--source", closed)
    edit(project / "src/core/bronze_gone.py", "backoff=1.0", "backoff=0.01")
    one_line_failure(
        run_module(project, "bronze_gone"), f"GET {closed} failed 4 times (ConnectError"
    )


# --- databases -----------------------------------------------------------------------------


def test_sqlite_relative_to_the_project_read_in_batches(project):
    with sqlite3.connect(project / "shop data.db") as connection:
        connection.execute("create table sales (id integer, name text, amount real)")
        connection.executemany(
            "insert into sales values (?, ?, ?)",
            [(i, None if i % 7 == 0 else f"n{i}", i / 2) for i in range(2_500)],
        )
    add(project, "sales", "database")
    edit(
        project / "src/core/bronze_sales.py",
        'url_variable="SALES_DATABASE_URL")',
        'url_variable="SALES_DATABASE_URL", batch_rows=1_000)',
    )
    set_env_file(project, SALES_DATABASE_URL="sqlite:///shop data.db")
    elsewhere = project.parent  # relative to the project root, not the working directory
    result = run(
        [PYTHON, str(project / "src/core/bronze_sales.py")],
        elsewhere,
        check=False,
        env=project_env(project),
    )
    assert result.returncode == 0, result.stderr
    sales = asset_table(project, "bronze_sales").sort("id")
    assert sales.height == 2_500
    assert sales["name"].null_count() == 358
    assert sales.columns == ["id", "name", "amount", "_ingested_at"]


def test_database_bad_inputs_each_give_one_line(project):
    add(project, "crm", "database", "--query", "select id, nam from customers")
    (project / ".env").write_text("")
    one_line_failure(run_module(project, "bronze_crm"), "CRM_DATABASE_URL is not set")

    with sqlite3.connect(project / "crm.db") as connection:
        connection.execute("create table customers (id integer, name text)")
    set_env_file(project, CRM_DATABASE_URL="sqlite:///crm.db")
    one_line_failure(
        run_module(project, "bronze_crm"), "the query failed on SQLite", "no such column: nam"
    )

    password = "pa55word-secret"
    url = f"postgresql://shop:{password}@127.0.0.1:{free_port()}/crm"
    set_env_file(project, CRM_DATABASE_URL=url)
    line = one_line_failure(
        run_module(project, "bronze_crm"), "cannot connect to postgresql://127.0.0.1:", "refused"
    )
    assert password not in line
    assert not table_path(project, "bronze_crm").exists()


def test_postgresql_through_its_url_in_env(project, postgres):
    postgres.psql("create database warehouse")
    postgres.psql(
        "create table customers (id int primary key, name text, joined date);"
        "insert into customers select i, case when i % 5 = 0 then null else 'c' || i end,"
        " date '2024-01-01' + i from generate_series(1, 300) as i",
        db="warehouse",
    )
    add(
        project,
        "customers",
        "database",
        "--source",
        "WAREHOUSE_DATABASE_URL",
        "--query",
        "select id, name, joined from customers",
    )
    set_env_file(project, WAREHOUSE_DATABASE_URL=postgres.url("warehouse"))
    result = run_module(project, "bronze_customers")
    assert result.returncode == 0, result.stderr
    customers = asset_table(project, "bronze_customers").sort("id")
    assert customers.height == 300
    assert customers["name"].null_count() == 60
    assert customers.schema["joined"] == pl.Date
    assert postgres.password not in result.stdout + result.stderr

    edit(project / "src/core/bronze_customers.py", "from customers", "from missing_table")
    line = one_line_failure(
        run_module(project, "bronze_customers"), 'relation "missing_table" does not exist'
    )
    assert postgres.password not in line
    assert version(project, "bronze_customers") == 0


# --- the scaffolds themselves --------------------------------------------------------------


def test_refusals_of_add_asset_template_options(project):
    cases = [
        (
            ["--layer", "silver", "--name", "x", "--template", "csv", "--dependencies", "orders"],
            "only bronze assets",
        ),
        (["--layer", "bronze", "--name", "x", "--template", "api"], "needs --source with the URL"),
        (
            [
                "--layer",
                "bronze",
                "--name",
                "x",
                "--template",
                "database",
                "--source",
                "postgresql://u:p@h/db",
            ],
            "must name the .env variable",
        ),
        (
            ["--layer", "bronze", "--name", "x", "--template", "csv", "--sheet", "A"],
            "--sheet is for",
        ),
        (["--layer", "bronze", "--name", "x", "--source", "a.csv"], "go with --template"),
    ]
    for arguments, expected in cases:
        result = polster(project, "add-asset", *arguments, check=False)
        assert result.returncode == 1, arguments
        assert expected in result.stderr, (arguments, result.stderr)
        assert not (project / "src/core/bronze_x.py").exists()


def test_generated_project_lints_and_its_tests_pass_with_every_template(project):
    for name, template in [
        ("s_csv", "csv"),
        ("s_parquet", "parquet"),
        ("s_json", "json"),
        ("s_excel", "excel"),
        ("s_db", "database"),
    ]:
        add(project, name, template)
    add(project, "s_api", "api", "--source", "https://api.example.com/v1/s")
    run([PYTHON, "-m", "ruff", "check", "."], project)
    run([PYTHON, "-m", "ruff", "format", "--check", "."], project)
    tests = [
        f"tests/assets/test_bronze_s_{n}.py"
        for n in ("csv", "parquet", "json", "excel", "db", "api")
    ]
    result = run(
        [
            PYTHON,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *tests,
            "tests/test_pipeline.py",
            "tests/test_layer_rules.py",
        ],
        project,
        env=project_env(project),
    )
    assert re.search(r"\b\d+ passed\b", result.stdout), result.stdout
    assert "failed" not in result.stdout


def test_readme_sources_commands_work(template_src, tmp_path):
    project = render_project(template_src, tmp_path / "readme sources")
    readme = (project / "README.md").read_text()
    commands = section_commands(readme, "Sources")
    assert any("TEMPLATE=csv" in command for command in commands)
    for command in commands:
        if command.startswith("make "):
            command += f" PYTHON={PYTHON}"
        elif command.startswith("python "):
            command = PYTHON + command.removeprefix("python")
        result = run(["bash", "-c", command], project, check=False, env=project_env(project))
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        if command.startswith("make ingested"):
            assert "landing/orders/2024-01-01.csv" in result.stdout
    assert not (project / "src/core/bronze_orders.py").exists()
