"""Write modes declared next to the logic (WRITE_MODE, MERGE_KEY), on real Delta tables.

Assets are scaffolded with `polster add-asset --write-mode ...`, read what a test drops in
`incoming.csv`, and run as users run them: through Dagster (`run_polster.py --asset`) and
on their own (`python src/core/<key>.py`). A merge must insert and update exactly the
expected keys in one MERGE commit; an append must add one commit per run recording the
run; bad input is one line and publishes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from deltalake import DeltaTable

from tests.conftest import (
    PYTHON,
    edit,
    make,
    one_line_failure,
    polster,
    project_env,
    read_table,
    run,
    without_dagster_telemetry,
)

READ_INCOMING = 'return pl.read_csv(project_root() / "incoming.csv")'


@pytest.fixture
def project(render) -> Path:
    project = render(include_examples=False)
    without_dagster_telemetry(project)
    return project


def scaffold(project: Path, name: str, *options: str) -> Path:
    """A bronze asset with these add-asset options, reading incoming.csv."""
    polster(project, "add-asset", "--layer", "bronze", "--name", name, *options)
    module = project / "src" / "core" / f"bronze_{name}.py"
    edit(
        module,
        "import polars as pl\n",
        "import polars as pl\n\nfrom polster import project_root\n",
    )
    edit(module, 'return pl.DataFrame({"id": [1, 2, 3], "value": ["a", "b", "c"]})', READ_INCOMING)
    return module


def incoming(project: Path, text: str) -> None:
    (project / "incoming.csv").write_text(text)


def run_asset(project: Path, key: str, check: bool = True):
    return run(
        [PYTHON, "run_polster.py", "--asset", key], project, check=check, env=project_env(project)
    )


def run_module(project: Path, key: str, check: bool = True):
    return run([PYTHON, f"src/core/{key}.py"], project, check=check, env=project_env(project))


def rows(table: Path) -> list[tuple]:
    return sorted(read_table(table).select("id", "value").rows())


def test_add_asset_scaffolds_the_write_mode_next_to_the_logic(project):
    make(
        project,
        "add-asset",
        LAYER="bronze",
        NAME="customers",
        WRITE_MODE="merge",
        MERGE_KEY="id,region",
    )
    make(project, "add-asset", LAYER="bronze", NAME="events", WRITE_MODE="append")

    customers = (project / "src/core/bronze_customers.py").read_text()
    assert 'WRITE_MODE = "merge"\nMERGE_KEY = ("id", "region")\n' in customers
    assert 'WRITE_MODE = "append"\n' in (project / "src/core/bronze_events.py").read_text()
    assert "MERGE_KEY" not in (project / "src/core/bronze_events.py").read_text()
    make(project, "lint")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--write-mode", "merge"], "--write-mode merge needs --merge-key"),
        (["--merge-key", "id"], "--merge-key goes with --write-mode merge"),
        (["--write-mode", "append", "--template", "csv"], "--write-mode goes with the plain"),
    ],
)
def test_add_asset_refuses_write_mode_options_that_do_not_fit(project, options, message):
    result = polster(
        project, "add-asset", "--layer", "bronze", "--name", "x", *options, check=False
    )

    assert result.returncode == 1
    assert message in result.stderr
    assert not (project / "src/core/bronze_x.py").exists()


def test_merge_inserts_and_updates_exactly_the_expected_keys(project):
    scaffold(project, "customers", "--write-mode", "merge", "--merge-key", "id")
    table = project / "data" / "bronze" / "customers"
    incoming(project, "id,value\n1,a\n2,b\n3,c\n")
    run_asset(project, "bronze_customers")

    incoming(project, "id,value\n3,C\n4,d\n")
    run_asset(project, "bronze_customers")

    assert rows(table) == [(1, "a"), (2, "b"), (3, "C"), (4, "d")]
    (merge,) = DeltaTable(str(table)).history(1)
    assert merge["operation"] == "MERGE"
    metrics = merge["operationMetrics"]
    assert (metrics["num_target_rows_inserted"], metrics["num_target_rows_updated"]) == (1, 1)
    assert merge["dagster_run_id"]
    assert merge["polster_rows"] == "4"
    assert list((table).glob("part-*-*.parquet"))  # the merge's own files
    history = polster(project, "history", "bronze_customers").stdout
    assert merge["dagster_run_id"] in history

    # The same batch again changes no row, and a standalone run merges the same way.
    run_module(project, "bronze_customers")
    assert rows(table) == [(1, "a"), (2, "b"), (3, "C"), (4, "d")]


def test_a_merge_audits_the_merged_table_and_publishes_nothing_when_a_check_fails(project):
    module = scaffold(project, "customers", "--write-mode", "merge", "--merge-key", "id")
    edit(
        module,
        '# CHECKS = [not_null("id"), unique("id"), min_rows(1)]',
        'CHECKS = [not_null("value", blocking=True)]',
    )
    edit(module, "# from polster import", "from polster import not_null  #")
    table = project / "data" / "bronze" / "customers"
    incoming(project, "id,value\n1,a\n2,b\n")
    run_module(project, "bronze_customers")
    files = sorted(path.name for path in table.glob("*.parquet"))

    incoming(project, "id,value\n2,\n5,e\n")
    failed = run_module(project, "bronze_customers", check=False)

    one_line_failure(failed, "bronze_customers was not published: blocking check", other_lines=True)
    assert DeltaTable(str(table)).version() == 0
    assert rows(table) == [(1, "a"), (2, "b")]
    assert sorted(path.name for path in table.glob("*.parquet")) == files


@pytest.mark.parametrize(
    ("batch", "merge_key", "message"),
    [
        (
            "id,value\n3,x\n7,y\n3,z\n7,w\n8,v\n",
            '("id",)',
            "MERGE_KEY (id) is not unique in the incoming rows: 3, 7 appear more than once",
        ),
        (
            "id,value\n1,x\n",
            '("customer_id",)',
            "MERGE_KEY column(s) customer_id are not in the frame it returned",
        ),
        ("id,value\n,x\n2,y\n", '("id",)', "1 incoming row(s) have a null MERGE_KEY (id)"),
    ],
)
def test_a_bad_merge_batch_is_one_line_naming_the_keys_and_writes_nothing(
    project, batch, merge_key, message
):
    module = scaffold(project, "customers", "--write-mode", "merge", "--merge-key", "id")
    table = project / "data" / "bronze" / "customers"
    incoming(project, "id,value\n1,a\n")
    run_module(project, "bronze_customers")
    edit(module, 'MERGE_KEY = ("id",)', f"MERGE_KEY = {merge_key}")

    incoming(project, batch)
    failed = run_module(project, "bronze_customers", check=False)

    one_line_failure(failed, message, other_lines=True)
    assert "nothing was written" in failed.stderr
    assert DeltaTable(str(table)).version() == 0
    assert len(list(table.glob("*.parquet"))) == 1


def test_append_adds_one_commit_per_run_recording_the_run(project):
    module = scaffold(project, "events", "--write-mode", "append")
    table = project / "data" / "bronze" / "events"
    incoming(project, "id,value\n1,a\n2,b\n")
    run_asset(project, "bronze_events")
    incoming(project, "id,value\n3,c\n")
    run_asset(project, "bronze_events")

    assert rows(table) == [(1, "a"), (2, "b"), (3, "c")]
    commits = DeltaTable(str(table)).history()
    assert [commit["version"] for commit in commits] == [1, 0]
    run_ids = [commit["dagster_run_id"] for commit in commits]
    assert len(set(run_ids)) == 2
    assert [commit["polster_rows"] for commit in commits] == ["3", "2"]
    assert all(run_id in polster(project, "history", "events").stdout for run_id in run_ids)

    # The audit sees the table as it will be: a key already there fails unique("id").
    edit(
        module,
        '# CHECKS = [not_null("id"), unique("id"), min_rows(1)]',
        'CHECKS = [unique("id", blocking=True)]',
    )
    edit(module, "# from polster import", "from polster import unique  #")
    incoming(project, "id,value\n3,again\n")
    failed = run_module(project, "bronze_events", check=False)
    one_line_failure(failed, "blocking check id_unique failed", other_lines=True)
    assert DeltaTable(str(table)).version() == 1
    assert len(list(table.glob("*.parquet"))) == 2


def test_an_unknown_write_mode_stops_the_definitions_in_one_line(project):
    module = scaffold(project, "events", "--write-mode", "append")
    edit(module, 'WRITE_MODE = "append"', 'WRITE_MODE = "upsert"')
    incoming(project, "id,value\n1,a\n")

    failed = run_asset(project, "bronze_events", check=False)

    one_line_failure(
        failed,
        'WRITE_MODE in src/core/bronze_events.py must be "overwrite", "append" or "merge"',
        other_lines=True,
    )


def test_a_merge_with_merge_delete_deletes_exactly_the_flagged_keys(project):
    module = scaffold(project, "customers", "--write-mode", "merge", "--merge-key", "id")
    edit(module, '# MERGE_DELETE = "is_deleted"', 'MERGE_DELETE = "is_deleted"')
    table = project / "data" / "bronze" / "customers"
    # A first merge stores only the rows not flagged: there is nothing to delete yet.
    incoming(project, "id,value,is_deleted\n1,a,false\n2,b,false\n3,c,false\n9,z,true\n")
    run_asset(project, "bronze_customers")
    assert rows(table) == [(1, "a"), (2, "b"), (3, "c")]

    incoming(project, "id,value,is_deleted\n2,,true\n3,C,false\n4,d,\n8,y,true\n")
    run_asset(project, "bronze_customers")

    assert rows(table) == [(1, "a"), (3, "C"), (4, "d")]
    assert "is_deleted" not in read_table(table).columns
    (merge,) = DeltaTable(str(table)).history(1)
    metrics = merge["operationMetrics"]
    counts = ("num_target_rows_inserted", "num_target_rows_updated", "num_target_rows_deleted")
    assert tuple(metrics[name] for name in counts) == (1, 1, 1)
    assert merge["polster_rows"] == "3"

    # A flag that is not boolean is one line, before anything is written.
    incoming(project, "id,value,is_deleted\n1,x,yes\n")
    failed = run_module(project, "bronze_customers", check=False)
    one_line_failure(
        failed,
        "its MERGE_DELETE column is_deleted is String; it must be a Boolean",
        other_lines=True,
    )
    assert DeltaTable(str(table)).version() == 1


def test_merge_delete_without_a_merge_stops_the_definitions_in_one_line(project):
    module = scaffold(project, "events", "--write-mode", "append")
    edit(module, 'WRITE_MODE = "append"', 'WRITE_MODE = "append"\nMERGE_DELETE = "gone"')
    incoming(project, "id,value\n1,a\n")

    failed = run_asset(project, "bronze_events", check=False)

    one_line_failure(
        failed,
        'MERGE_DELETE in src/core/bronze_events.py goes with WRITE_MODE = "merge"',
        other_lines=True,
    )
