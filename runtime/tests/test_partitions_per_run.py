"""Backfills as several runs: PARTITIONS_PER_RUN (Dagster's policy) and --fan-out's chunks."""

import importlib.util
import itertools
import sys
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
from polster.contract.declaration import DeclarationError, partitions_per_run_of
from polster.contract.errors import PolsterError
from polster.contract.partitions import PartitionError, parse_per_run, split_range
from polster.orchestration import runner
from polster.orchestration.asset_factory import medallion_asset
from polster.orchestration.fan_out import plan_chunks

HEADER = 'import polars as pl\n\nPARTITIONS = "daily"\nPARTITIONS_START = "2024-01-01"\n'
BODY = "\n\ndef extract(partition):\n    return pl.DataFrame({'id': [1]})\n"


def days(count: int) -> list[date]:
    return [date(2024, 1, 1) + timedelta(days=number) for number in range(count)]


@pytest.mark.parametrize(
    ("count", "parts", "lengths"),
    [(6, 2, [3, 3]), (7, 3, [3, 2, 2]), (2, 4, [1, 1]), (60, 4, [15, 15, 15, 15])],
)
def test_a_range_splits_into_contiguous_chunks_of_nearly_equal_length(count, parts, lengths):
    keys = days(count)
    chunks = split_range(keys, parts)

    assert [keys.index(last) - keys.index(first) + 1 for first, last in chunks] == lengths
    assert chunks[0][0] == keys[0]
    assert chunks[-1][1] == keys[-1]
    for (_, last), (first, _) in itertools.pairwise(chunks):
        assert first == last + timedelta(days=1)  # no gap, no overlap


@pytest.mark.parametrize("value", [0, -1, "7", 2.5, True])
def test_partitions_per_run_must_be_a_whole_number_from_one(value):
    with pytest.raises(PartitionError, match=r"PARTITIONS_PER_RUN in src/core/x\.py must be"):
        parse_per_run(value, "src/core/x.py")


def core_function(tmp_path: Path, name: str, text: str):
    """The compute function of a core module `name` written to tmp_path and imported."""
    path = tmp_path / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # where inspect.getmodule finds it
    spec.loader.exec_module(module)
    return module.extract


@pytest.fixture(autouse=True)
def _forget_modules():
    yield
    for name in ("bronze_days", "bronze_other_days", "silver_days"):
        sys.modules.pop(name, None)


def test_partitions_per_run_gives_dagster_a_multi_run_backfill_policy(tmp_path):
    per_run = core_function(tmp_path, "bronze_days", HEADER + "PARTITIONS_PER_RUN = 7\n" + BODY)
    one_run = core_function(tmp_path, "bronze_other_days", HEADER + BODY)

    assert medallion_asset(per_run).backfill_policy == dg.BackfillPolicy.multi_run(7)
    assert medallion_asset(one_run).backfill_policy == dg.BackfillPolicy.single_run()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEADER + 'WRITE_MODE = "merge"\nMERGE_KEY = "id"\nPARTITIONS_PER_RUN = 7\n' + BODY,
            'cannot go with WRITE_MODE = "merge"',
        ),
        (
            "import polars as pl\n\nPARTITIONS_PER_RUN = 7\n\n\n"
            "def extract():\n    return pl.DataFrame({'id': [1]})\n",
            "goes with PARTITIONS",
        ),
    ],
)
def test_partitions_per_run_is_refused_where_partitions_must_run_in_order(tmp_path, text, message):
    with pytest.raises(DeclarationError, match=message):
        partitions_per_run_of(core_function(tmp_path, "silver_days", text))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--fan-out", "2"], "--fan-out splits a --partition-range"),
        (["--partition-range", "2024-01-01...2024-01-02", "--fan-out", "0"], "--fan-out 0"),
    ],
)
def test_fan_out_needs_a_range_and_a_number_of_runs(capsys, argv, message):
    with pytest.raises(SystemExit) as stopped:
        runner.parse_args(argv)

    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_fan_out_splits_the_range_and_refuses_merged_partitions(tmp_path):
    days_asset = medallion_asset(core_function(tmp_path, "bronze_days", HEADER + BODY))
    merged_text = HEADER + 'WRITE_MODE = "merge"\nMERGE_KEY = "id"\n' + BODY
    merged_asset = medallion_asset(core_function(tmp_path, "bronze_other_days", merged_text))
    store = dg.ResourceDefinition.none_resource()  # planning reads no table
    defs = dg.Definitions(assets=[days_asset, merged_asset], resources={"table_store": store})
    whole = "2024-01-01...2024-01-07"

    assets, chunks = plan_chunks(defs, ["bronze_days"], whole, 3)
    assert assets == ["bronze_days"]
    assert [chunk.span for chunk in chunks] == [
        "2024-01-01...2024-01-03",
        "2024-01-04...2024-01-05",
        "2024-01-06...2024-01-07",
    ]
    with pytest.raises(PolsterError) as refused:
        plan_chunks(defs, [], whole, 3)
    assert str(refused.value) == (
        "--fan-out cannot write bronze_other_days in concurrent runs: its partitions are "
        'merged by key (WRITE_MODE = "merge"), so a later one replaces an earlier one\'s rows '
        "and they must run in order; drop --fan-out (or fan out the others: "
        "--asset bronze_days)"
    )
