"""Quality gates in a rendered project, run for real: checks, quarantine, contracts, history."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from deltalake import DeltaTable

from tests.conftest import PYTHON, asset_table, edit, make, polster, project_env, run, run_polster


@pytest.fixture
def project(render) -> Path:
    return render()


def last_report(project: Path) -> dict:
    (report,) = (project / "reports").glob("*/summary.json")
    return json.loads(report.read_text())


def corrupt_bronze_statuses(project: Path) -> None:
    """The source starts sending a status silver does not accept."""
    edit(
        project / "src/core/bronze_example.py",
        'STATUSES = ("completed", "COMPLETED", "Completed ", "cancelled", "pending")',
        'STATUSES = ("completed", "COMPLETED", "refunded", "cancelled", "pending")',
    )


def test_the_example_run_quarantines_bad_rows_and_reports_every_asset(project):
    result = run_polster(project, check=True)

    bronze = asset_table(project, "bronze_example")
    kept = asset_table(project, "silver_example")
    rejected = asset_table(project, "silver_example__rejected")
    assert kept.height + rejected.height == bronze.height
    assert rejected.height > 0
    assert rejected["rejected_reason"].null_count() == 0
    report = last_report(project)
    assert report["success"] is True
    silver = next(asset for asset in report["assets"] if asset["asset"] == "silver_example")
    assert silver["status"] == "materialized"
    assert (silver["rows_written"], silver["rows_rejected"]) == (kept.height, rejected.height)
    assert silver["checks_failed"] == []
    assert len(silver["checks_passed"]) == 5
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("silver_example")]
    assert f"{kept.height:,}" in line
    assert f"{rejected.height:,}" in line
    assert "5/5 passed" in line
    markdown = next((project / "reports").glob("*/summary.md")).read_text()
    assert f"| silver_example | materialized | {kept.height:,} | {rejected.height:,} |" in markdown


def test_bad_bronze_data_fails_a_blocking_silver_check_and_blocks_gold(project):
    corrupt_bronze_statuses(project)

    result = run_polster(project, check=False)

    assert result.returncode == 1
    assert (
        "silver_example was not published: blocking check status_accepted_values failed: "
        in result.stderr
    )
    assert "status must be one of completed, cancelled, pending" in result.stderr
    assert "so these were not materialized: gold_example" in result.stderr
    assert not (project / "data/gold/example").exists()
    report = last_report(project)
    assert report["success"] is False
    statuses = {asset["asset"]: asset["status"] for asset in report["assets"]}
    assert statuses == {
        "bronze_example": "materialized",
        "silver_example": "failed",  # audited before publishing: nothing was published
        "gold_example": "not run",
    }
    assert not (project / "data/silver/example").exists()
    assert not (project / "data/silver/example__rejected").exists()


def test_a_failing_bronze_check_only_warns(project):
    edit(
        project / "src/core/bronze_example.py",
        'CHECKS = [min_rows(1), not_null("order_id")]',
        'CHECKS = [min_rows(1), not_null("customer_id")]',  # bronze has missing customers
    )

    result = run_polster(project, check=True)

    assert "bronze_example: warning check customer_id_not_null failed:" in result.stdout
    assert asset_table(project, "gold_example").height > 0


def test_a_schema_contract_violation_names_the_columns_and_writes_nothing(project):
    run_polster(project, "--asset", "bronze_example", "--asset", "silver_example", check=True)
    edit(project / "src/core/silver_example.py", '"quantity": pl.Int64,', '"quantity": pl.Int32,')
    edit(project / "src/core/silver_example.py", '"amount": pl.Float64,', '"total": pl.Float64,')

    result = run_polster(project, check=False)

    assert result.returncode == 1
    assert (
        "silver_example breaks its SCHEMA contract: missing column total; unexpected column "
        "amount; column quantity is Int64, declared Int32. Change the function or SCHEMA in "
        "src/core/silver_example.py; nothing was written"
    ) in result.stderr
    assert DeltaTable(str(project / "data/silver/example")).version() == 0
    assert DeltaTable(str(project / "data/silver/example__rejected")).version() == 0


def test_bronze_schema_drift_is_reported_in_the_summary_and_metadata(project):
    run_polster(project, "--asset", "bronze_example", check=True)
    edit(
        project / "src/core/bronze_example.py",
        "return scan_orders(get_settings().example_rows)",
        'return scan_orders(get_settings().example_rows).with_columns(channel=pl.lit("web"))',
    )

    result = run_polster(project, "--asset", "bronze_example", check=True)

    assert "bronze_example: schema drift: added channel (String)" in result.stdout
    (bronze,) = last_report_assets(project, "bronze_example")
    assert bronze["notes"] == ["schema drift: added channel (String)"]


def last_report_assets(project: Path, key: str) -> list[dict]:
    reports = sorted((project / "reports").glob("*/summary.json"), key=lambda p: p.stat().st_mtime)
    assets = json.loads(reports[-1].read_text())["assets"]
    return [asset for asset in assets if asset["asset"] == key]


def test_history_show_and_restore_every_version(project):
    run_polster(project, check=True)
    run_polster(project, check=True)
    run_ids = sorted(json.loads(p.read_text())["run_id"] for p in project.glob("reports/*/*.json"))

    history = make(project, "history", ASSET="gold_example").stdout
    assert "gold_example: 2 version(s), newest first" in history
    assert all(run_id in history for run_id in run_ids)
    shown = make(project, "show", ASSET="silver_example__rejected", LIMIT="3").stdout
    assert "showing 3" in shown
    assert "rejected_reason" in shown

    refused = make(project, "restore", check=False, ASSET="gold_example", VERSION="0")
    assert refused.returncode != 0
    assert "Without a terminal, confirm with YES=1" in refused.stderr
    assert DeltaTable(str(project / "data/gold/example")).version() == 1

    restored = make(project, "restore", ASSET="gold_example", VERSION="0", YES="1").stdout
    assert "version 2 has the content of version 0" in restored
    assert asset_table(project, "gold_example").equals(
        pl.read_delta(str(project / "data/gold/example"), version=0)
    )
    assert "restore of version 0" in make(project, "history", ASSET="gold_example").stdout


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["show", "gold_example", "--version", "9"], "gold_example has no version 9"),
        (["restore", "gold_example", "--version", "5", "--yes"], "there is no older one"),
        (["history", "nothing"], "there is no asset 'nothing'"),
        (["show", "example"], "'example' matches bronze_example and gold_example"),
        (["show", "gold_example", "--limit", "0"], "show at least one row"),
    ],
)
def test_table_commands_refuse_bad_input_clearly(project, command, message):
    run_polster(project, "--asset", "bronze_example", check=True)
    run([PYTHON, "src/core/silver_example.py"], project, env=project_env(project))
    run([PYTHON, "src/core/gold_example.py"], project, env=project_env(project))

    result = polster(project, *command, check=False)

    assert result.returncode == 1
    assert message in result.stderr


def test_history_of_an_asset_never_materialized_says_what_to_do(project):
    result = make(project, "history", check=False, ASSET="gold_example")

    assert "gold_example has no table at" in result.stderr
    assert "materialize it first" in result.stderr


def test_standalone_scripts_report_rejected_rows_and_their_checks(project):
    env = project_env(project)
    run([PYTHON, "src/core/bronze_example.py"], project, env=env)
    silver = run([PYTHON, "src/core/silver_example.py"], project, env=env).stdout

    rejected = asset_table(project, "silver_example__rejected").height
    assert f"rejected {rejected:,} rows to" in silver
    assert "check status_accepted_values: passed" in silver

    corrupt_bronze_statuses(project)
    run([PYTHON, "src/core/bronze_example.py"], project, env=env)
    failed = run([PYTHON, "src/core/silver_example.py"], project, check=False, env=env)
    assert failed.returncode == 1
    assert "check status_accepted_values: FAILED" in failed.stdout


def test_an_invalid_checks_declaration_stops_the_definitions_clearly(project):
    gold = project / "src/core/gold_example.py"
    gold.write_text(gold.read_text() + '\nCHECKS = ["revenue is positive"]\n')

    result = run_polster(project, check=False)

    assert result.returncode == 1
    assert (
        "error: CHECKS in src/core/gold_example.py must be a list of checks from polster"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
