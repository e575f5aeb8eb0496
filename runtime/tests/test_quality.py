"""The data quality vocabulary of polster.contract.quality, on small frames."""

import polars as pl
import pytest
from polster.contract.quality import (
    Quarantined,
    accepted_values,
    evaluate,
    expect,
    in_range,
    min_rows,
    not_null,
    quarantine,
    repeated,
    schema_drift,
    schema_violations,
    unique,
)

ORDERS = pl.LazyFrame(
    {
        "id": [1, 2, 2, 4],
        "status": ["new", "paid", "lost", None],
        "quantity": [1, 0, 5, 12],
    }
)


def failing_rows(check) -> int:
    (outcome,) = evaluate(ORDERS, [check])
    return outcome.failing_rows


@pytest.mark.parametrize(
    ("check", "failing"),
    [
        (not_null("status"), 1),
        (not_null("id", "status"), 1),
        (unique("id"), 2),
        (accepted_values("status", ["new", "paid"]), 1),  # null is not_null's business
        (in_range("quantity", low=1), 1),
        (in_range("quantity", low=1, high=10), 2),
        (expect("quantity_is_even", pl.col("quantity") % 2 == 0), 2),
    ],
)
def test_row_checks_count_the_rows_that_break_them(check, failing):
    assert failing_rows(check) == failing


def test_a_failed_check_comes_with_a_sample_of_its_rows():
    (outcome,) = evaluate(ORDERS, [unique("id")])

    assert not outcome.passed
    assert outcome.sample["id"].to_list() == [2, 2]
    assert outcome.summary == "2 of 4 rows fail: id must be unique"


def test_min_rows_looks_at_the_whole_table():
    passed, failed = evaluate(ORDERS, [min_rows(4), min_rows(5)])

    assert passed.passed
    assert not failed.passed
    assert failed.summary == "4 rows, at least 5 expected"


def test_checks_block_on_silver_and_gold_unless_told_otherwise():
    assert not not_null("id").blocks("bronze")
    assert not_null("id").blocks("silver")
    assert not_null("id").blocks("gold")
    assert not not_null("id", blocking=False).blocks("gold")
    assert not_null("id", blocking=True).blocks("bronze")


def test_quarantine_keeps_every_row_once_with_the_first_reason():
    split = quarantine(
        ORDERS,
        {
            "no status": pl.col("status").is_null(),
            "nothing ordered": pl.col("quantity") < 1,
            "too many": pl.col("quantity") > 10,  # row 4 also has no status: first reason wins
        },
    )

    kept, rejected = split.kept.collect(), split.rejected.collect()
    assert isinstance(split, Quarantined)
    assert kept.height + rejected.height == ORDERS.collect().height
    assert kept["id"].to_list() == [1, 2]
    assert rejected.select("id", "rejected_reason").rows() == [
        (2, "nothing ordered"),
        (4, "no status"),
    ]


def test_unique_counts_every_row_of_a_repeated_key_of_several_columns():
    frame = pl.LazyFrame(
        {"day": [1, 1, 1, 2, None, None], "shop": ["a", "a", "b", "a", None, None]}
    )

    (outcome,) = evaluate(frame, [unique("day", "shop")])

    # (1, a) twice and (null, null) twice, as group_by sees them; (1, b) and (2, a) once.
    assert outcome.failing_rows == 4
    assert outcome.sample.height == 4


def test_repeated_rejects_every_copy_but_the_first_as_is_first_distinct_does():
    frame = pl.LazyFrame(
        {"id": [3, 1, 3, None, 2, None, 3], "seen": ["a", "b", "c", "d", "e", "f", "g"]}
    )
    streaming = quarantine(frame, {"copy": repeated("id"), "late": pl.col("seen") == "e"})
    in_memory = quarantine(
        frame, {"copy": ~pl.col("id").is_first_distinct(), "late": pl.col("seen") == "e"}
    )

    for split in (streaming, in_memory):
        assert split.kept.collect().sort("seen")["seen"].to_list() == ["a", "b", "d"]
        assert split.rejected.collect().sort("seen").select("seen", "rejected_reason").rows() == [
            ("c", "copy"),
            ("e", "late"),
            ("f", "copy"),
            ("g", "copy"),
        ]


def test_schema_violations_name_each_column():
    actual = pl.Schema({"id": pl.Int64, "status": pl.String, "extra": pl.Int8})
    declared = {"id": pl.Int32, "status": pl.String, "amount": pl.Float64}

    problems = schema_violations(actual, declared)

    assert problems == [
        "missing column amount",
        "unexpected column extra",
        "column id is Int64, declared Int32",
    ]
    assert schema_violations(actual, dict(actual)) == []


def test_schema_drift_lists_added_removed_and_retyped_columns():
    before = pl.Schema({"id": pl.Int64, "status": pl.String})
    after = pl.Schema({"id": pl.String, "channel": pl.String})

    assert schema_drift(before, after) == [
        "added channel (String)",
        "removed status",
        "retyped id: Int64 -> String",
    ]
    assert schema_drift(None, after) == []  # a new table has no drift


def test_checks_on_unicode_or_dotted_columns_get_names_dagster_accepts():
    """Without name=, a check is named after its columns; Dagster takes only letters,
    digits and _, and refused `prix.unité_not_null` (no definitions loaded at all)."""
    from polster.contract.quality import accepted_values, in_range, not_null, unique
    from polster.orchestration.checks import check_specs

    checks = [
        not_null("prix.unité"),
        unique("commande n°", "pays"),
        in_range("größe", low=0),
        accepted_values("état", ["ok"]),
    ]

    specs = check_specs("silver_orders", checks)

    assert [spec.name for spec in specs] == [
        "prix_unite_not_null",
        "commande_n_pays_unique",
        "groe_in_range",
        "etat_accepted_values",
    ]


def test_a_check_on_a_missing_column_names_the_module_whose_checks_hold_it(store):
    from polster.contract.quality import unique
    from polster.core.storage import Audit, StorageError

    audit = Audit(checks=[not_null("unit_prize"), unique("order_id")])

    with pytest.raises(StorageError) as refused:
        store.write(
            "silver_orders", pl.DataFrame({"order_id": [1], "unit_price": [2.0]}), audit=audit
        )

    message = str(refused.value)
    assert "the check unit_prize_not_null in CHECKS of src/core/silver_orders.py" in message
    assert "names column(s) unit_prize, which the rows do not have" in message, message
    assert "(their columns: order_id, unit_price)" in message, message
    assert not store.exists("silver_orders")
