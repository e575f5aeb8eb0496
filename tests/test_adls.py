"""The ADLS Gen2 backend against a real Azurite emulator started by these tests."""

from __future__ import annotations

import re
import time
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from deltalake import DeltaTable

from tests.azurite import ACCOUNT, ACCOUNT_KEY, Azurite
from tests.conftest import (
    PYTHON,
    assert_generated_suite_passed,
    project_env,
    render_project,
    run,
    run_polster,
)

CONTAINER = "lake"  # the shared emulator's (tests/conftest.py)
EXAMPLES = ("bronze_example", "silver_example", "gold_example")
pytestmark = pytest.mark.xdist_group("azurite")  # one emulator, one worker


ANSWERS = {"storage_backend": "adls", "adls_account_name": ACCOUNT, "adls_container": CONTAINER}


@pytest.fixture(scope="module")
def project(template_src, tmp_path_factory) -> Path:
    return render_project(
        template_src, tmp_path_factory.mktemp("adls") / "shop_pipeline", **ANSWERS
    )


@pytest.fixture(scope="module")
def pipeline_output(project, azurite) -> str:
    """Three runs of the whole pipeline into ADLS: three versions of every table."""
    env = adls_env(project, azurite)
    return "".join(run_polster(project, env=env, check=True).stdout for _ in range(3))


@pytest.fixture
def own_project(template_src, tmp_path) -> Path:
    """A project of the test's own, for tests that change files, tables or the emulator."""
    return render_project(template_src, tmp_path / "shop_pipeline", **ANSWERS)


def adls_env(project: Path, azurite: Azurite, **overrides: str) -> dict[str, str]:
    env = {
        **project_env(project),
        "ADLS_ACCOUNT_KEY": ACCOUNT_KEY,
        "ADLS_ENDPOINT": azurite.endpoint,
    }
    return {**env, **overrides}


def options(azurite: Azurite) -> dict[str, str]:
    return {
        "account_name": ACCOUNT,
        "account_key": ACCOUNT_KEY,
        "endpoint": azurite.endpoint,
        "allow_http": "true",
    }


def table_uri(key: str, base_path: str = "shop_pipeline/data") -> str:
    layer, _, name = key.partition("_")
    return f"abfss://{CONTAINER}@{ACCOUNT}.dfs.core.windows.net/{base_path}/{layer}/{name}"


def test_the_pipeline_writes_versioned_tables_to_adls_and_samples_locally(
    project, azurite, pipeline_output
):
    output = pipeline_output

    for key in EXAMPLES:
        table = DeltaTable(table_uri(key), storage_options=options(azurite))
        assert table.version() == 2
        run_ids = [commit.get("dagster_run_id") for commit in table.history()]
        assert len(set(run_ids)) == 3
        assert None not in run_ids
        sample = pl.read_delta(str(project / "data" / "adls_samples" / key.replace("_", "/", 1)))
        assert 0 < sample.height <= 50
    gold_table = DeltaTable(table_uri("gold_example"), storage_options=options(azurite))
    polars_options = {k: v for k, v in options(azurite).items() if k != "max_retries"}
    gold = pl.scan_delta(gold_table, storage_options=polars_options).collect()
    # 28 days x 5 countries once cleaned; a pair without valid orders has no row.
    assert (gold["order_date"].n_unique(), gold["country"].n_unique()) == (28, 5)
    assert table_uri("gold_example").removesuffix("/gold/example") in output
    assert not (project / "data" / "gold").exists()  # full tables live in ADLS only
    assert ACCOUNT_KEY not in output


def test_status_and_standalone_scripts_work_on_adls(project, azurite, pipeline_output):
    env = adls_env(project, azurite, DISABLE_LOCAL_SAMPLE="true")
    status = run_polster(project, "--status", env=env, check=True).stdout
    for key in EXAMPLES:
        (line,) = [line for line in status.splitlines() if line.startswith(key)]
        assert "never" not in line

    standalone = run([PYTHON, "src/core/gold_example.py"], project, env=env).stdout
    assert re.search(rf"wrote \d+ rows to {re.escape(table_uri('gold_example'))} ", standalone)
    assert "local sample" not in standalone

    # A notebook reads any table and version from ADLS with the project's settings.
    script = (
        "import polster\n"
        "print(polster.read_table('gold_example', version=2).height)\n"
        "print(polster.scan_table('gold_example', version=0).collect().height)\n"
    )
    read = run([PYTHON, "-c", script], project / "src", env=env).stdout.split()
    polars_options = {k: v for k, v in options(azurite).items() if k != "max_retries"}
    expected = [
        pl.scan_delta(
            DeltaTable(table_uri("gold_example"), version, options(azurite)),
            storage_options=polars_options,
        ).collect()
        for version in (2, 0)
    ]
    assert read == [str(table.height) for table in expected]
    assert int(read[0]) > 0


def test_the_projects_tests_pass_with_the_adls_backend(project, azurite):
    tests = run(
        [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        project,
        env=adls_env(project, azurite),
    )
    assert_generated_suite_passed(tests.stdout)


def test_purge_data_deletes_the_adls_table(own_project, azurite):
    project = own_project
    env = adls_env(project, azurite, ADLS_BASE_PATH="purge_test/data")
    run_polster(
        project, "--asset", "bronze_example", "--asset", "silver_example", env=env, check=True
    )
    run_polster(project, "--asset", "gold_example", env=env, check=True)
    result = run(
        [
            PYTHON,
            "-m",
            "polster",
            "remove-asset",
            "--layer",
            "gold",
            "--name",
            "example",
            "--purge-data",
        ],
        project,
        env=env,
    )

    gold_uri = table_uri("gold_example", "purge_test/data")
    assert f"deleted table {gold_uri}" in result.stdout
    assert not DeltaTable.is_deltatable(gold_uri, storage_options=options(azurite))
    silver_uri = gold_uri.replace("gold/example", "silver/example")
    assert DeltaTable.is_deltatable(silver_uri, storage_options=options(azurite))


def test_quarantine_history_show_and_restore_work_on_adls(own_project, azurite):
    project = own_project
    base_path = "history_test/data"
    env = adls_env(project, azurite, ADLS_BASE_PATH=base_path)
    run_polster(project, env=env, check=True)
    run_polster(project, "--asset", "gold_example", env=env, check=True)

    def polster(*args: str) -> str:
        return run([PYTHON, "-m", "polster", *args], project, env=env).stdout

    def read(key: str) -> pl.DataFrame:
        table = DeltaTable(table_uri(key, base_path), storage_options=options(azurite))
        return pl.scan_delta(table, storage_options=options(azurite)).collect()

    bronze, kept = read("bronze_example"), read("silver_example")
    rejected = read("silver_example__rejected")
    assert kept.height + rejected.height == bronze.height
    assert "gold_example: 2 version(s), newest first" in polster("history", "gold_example")
    assert "showing 2" in polster("show", "silver_example__rejected", "--limit", "2")
    restored = polster("restore", "gold_example", "--version", "0", "--yes")
    assert "version 2 has the content of version 0" in restored
    gold = DeltaTable(table_uri("gold_example", base_path), storage_options=options(azurite))
    assert gold.version() == 2
    assert gold.history(1)[0]["polster_restored_version"] == "0"
    assert "restore of version 0" in polster("history", "gold_example")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ADLS_CONTAINER": ""}, "STORAGE_BACKEND=adls needs ADLS_CONTAINER: set them in .env"),
        (
            {"ADLS_ACCOUNT_NAME": "My_Account"},
            "ADLS_ACCOUNT_NAME='My_Account' is not a storage account name",
        ),
        ({"ADLS_SAS_TOKEN": "sv=2024&sig=abc"}, "both ADLS_ACCOUNT_KEY and ADLS_SAS_TOKEN are set"),
        ({"ADLS_ENDPOINT": "127.0.0.1:10000"}, "ADLS_ENDPOINT='127.0.0.1:10000' must be a URL"),
        ({"ADLS_FALLBACK_TO_LOCAL": "maybe"}, "ADLS_FALLBACK_TO_LOCAL='maybe' is not a boolean"),
    ],
)
def test_bad_adls_settings_stop_before_any_work(template_src, tmp_path, env, message):
    project = render_project(template_src, tmp_path / "shop_pipeline", **ANSWERS)
    full_env = {**project_env(project), "ADLS_ACCOUNT_KEY": ACCOUNT_KEY, **env}

    result = run_polster(project, env=full_env, check=False)

    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert ACCOUNT_KEY not in result.stderr
    assert not (project / "data").exists()


def test_unreachable_adls_fails_clearly_or_falls_back_when_asked(own_project, tmp_path):
    project = own_project
    with Azurite(tmp_path / "azurite") as azurite:
        azurite.create_container(CONTAINER)
        env = adls_env(project, azurite)
        run_polster(project, "--asset", "bronze_example", env=env, check=True)  # ADLS works...
    # ...and from here on, the emulator is gone.
    started = time.monotonic()
    failed = run_polster(
        project, env={**env, "POLSTER_DATA_DIR": str(tmp_path / "strict")}, check=False
    )
    elapsed = time.monotonic() - started

    assert failed.returncode == 1
    assert (
        "error: the run failed: at bronze_example: could not write bronze_example at abfss://"
        in failed.stderr
    )
    assert "ADLS_FALLBACK_TO_LOCAL=true" in failed.stderr
    assert ACCOUNT_KEY not in failed.stderr + failed.stdout
    assert not (tmp_path / "strict").exists()  # nothing written anywhere
    assert elapsed < 120  # bounded retries, not minutes of waiting

    local = tmp_path / "fallback"
    fallback_env = {**env, "ADLS_FALLBACK_TO_LOCAL": "true", "POLSTER_DATA_DIR": str(local)}
    result = run_polster(project, env=fallback_env, check=True)

    assert "ADLS_FALLBACK_TO_LOCAL" in result.stderr  # a warning, never silent
    for key in EXAMPLES:
        assert DeltaTable.is_deltatable(str(local / key.replace("_", "/", 1)))
    with dg.DagsterInstance.from_config(str(project / ".dagster")) as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("gold_example"))
    assert (
        "could not write gold_example"
        in event.asset_materialization.metadata["storage_fallback"].value
    )
    assert ACCOUNT_KEY not in result.stderr + result.stdout


def test_a_partition_rewrite_on_adls_replaces_only_that_partition(own_project, azurite):
    project = own_project
    base_path = "partitions_test/data"
    env = adls_env(project, azurite, ADLS_BASE_PATH=base_path)
    add_asset = [PYTHON, "-m", "polster", "add-asset", "--layer", "bronze", "--name", "visits"]
    run([*add_asset, "--partitions", "daily", "--start", "2024-01-01"], project, env=env)
    for day in ("2024-01-01", "2024-01-02"):
        run_polster(project, "--asset", "bronze_visits", "--partition", day, env=env, check=True)
    uri = table_uri("bronze_visits", base_path)

    def files_of(day: str) -> list[str]:
        files = DeltaTable(uri, storage_options=options(azurite)).file_uris()
        return sorted(file for file in files if f"/partition_date={day}/" in file)

    day_two = files_of("2024-01-02")
    run_polster(
        project, "--asset", "bronze_visits", "--partition", "2024-01-01", env=env, check=True
    )

    table = DeltaTable(uri, storage_options=options(azurite))
    assert table.metadata().partition_columns == ["partition_date"]
    assert table.version() == 2
    assert table.history(1)[0]["polster_partition"] == "2024-01-01"
    frame = pl.scan_delta(table, storage_options=options(azurite)).collect()
    days = frame.group_by("partition_date").len().sort("partition_date")
    assert [(day.isoformat(), rows) for day, rows in days.rows()] == [
        ("2024-01-01", 3),
        ("2024-01-02", 3),
    ]
    assert day_two
    assert files_of("2024-01-02") == day_two  # day 2's file is the one its own run wrote
