"""Column lineage read from the Polars plan (polster.core.lineage): a table of cases with
known answers. Each case is a compute function over two upstream tables, silver_orders and
silver_customers, and the lineage of each output column as a person writes it:
"silver_orders.quantity, silver_orders.unit_price", "(no input column)" or "unknown".

If these fail after a Polars upgrade, the plan format changed: check every case against the
new one before adding its version to SUPPORTED_IR_VERSIONS (never loosen an expectation to
make a case pass)."""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import polars as pl
import pytest
from polster import Quarantined, quarantine, repeated
from polster.contract.declaration import DeclarationError
from polster.core.lineage import (
    SUPPORTED_IR_VERSIONS,
    LineageWarning,
    describe,
    ir_version,
    lineage_of,
)

ORDERS = pl.Schema(
    {
        "order_id": pl.String,
        "customer_id": pl.Int64,
        "country": pl.String,
        "status": pl.String,
        "quantity": pl.Int64,
        "unit_price": pl.Float64,
        "amount": pl.Float64,
        "ordered_at": pl.Datetime("us"),
        "tags": pl.List(pl.String),
        "address": pl.Struct({"city": pl.String, "zip": pl.String}),
    }
)
CUSTOMERS = pl.Schema(
    {"customer_id": pl.Int64, "name": pl.String, "country": pl.String, "segment": pl.String}
)
SCHEMAS = {"silver_orders": ORDERS, "silver_customers": CUSTOMERS}
ORD, CUS = "silver_orders", "silver_customers"
PAID = pl.col("status") == "paid"


def select_and_rename(silver_orders):
    return silver_orders.select("order_id", pl.col("amount").alias("value")).rename(
        {"order_id": "id"}
    )


def with_columns_arithmetic(silver_orders):
    return silver_orders.select("quantity", "unit_price").with_columns(
        (pl.col("quantity") * pl.col("unit_price")).round(2).alias("amount"),
        pl.col("quantity").cast(pl.Float64),
        one=pl.lit(1),
    )


def filter_is_no_value_dependency(silver_orders):
    return silver_orders.filter(PAID, pl.col("quantity") > 0).select("order_id", "amount")


def conditional_sum_per_group(silver_orders):
    return silver_orders.group_by("country").agg(
        pl.when(PAID).then("amount").sum().alias("revenue"),
        pl.col("amount").filter(PAID).mean().alias("paid_mean"),
        pl.col("amount").sort_by("ordered_at").last().alias("latest_amount"),
        pl.len().alias("orders"),
    )


def group_by_expression_key(silver_orders):
    return silver_orders.group_by(pl.col("ordered_at").dt.date().alias("day")).agg(
        pl.col("quantity").sum()
    )


def when_then_otherwise(silver_orders):
    return silver_orders.select(
        pl.when(pl.col("amount") > 100)
        .then(pl.lit("big"))
        .when(pl.col("quantity") > 5)
        .then("country")
        .otherwise(pl.col("status"))
        .alias("tier"),
        pl.coalesce("amount", "unit_price").alias("price"),
    )


def window_over_partition(silver_orders):
    return silver_orders.select(
        "country",
        pl.col("amount").sum().over("country").alias("country_total"),
        pl.col("amount").cum_sum().over("country", order_by="ordered_at").alias("running"),
        pl.col("amount").rolling_sum(3).alias("rolling"),
        pl.col("quantity").sum().rolling(index_column="ordered_at", period="2d").alias("two_days"),
    )


def left_join_with_suffix(silver_orders, silver_customers):
    return silver_orders.select("customer_id", "country", "amount").join(
        silver_customers, on="customer_id", how="left"
    )


def inner_join_on_different_keys(silver_orders, silver_customers):
    return silver_orders.select("customer_id", "country").join(
        silver_customers.rename({"customer_id": "id"}),
        left_on="customer_id",
        right_on="id",
        suffix="_of_customer",
        coalesce=False,
    )


def full_join_coalesced(silver_orders, silver_customers):
    return silver_orders.select("customer_id", "amount").join(
        silver_customers.select("customer_id", "name"), on="customer_id", how="full", coalesce=True
    )


def right_join(silver_orders, silver_customers):
    return silver_orders.select("customer_id", "amount").join(
        silver_customers.select("customer_id", "name"), on="customer_id", how="right"
    )


def semi_join(silver_orders, silver_customers):
    return silver_orders.select("order_id").join(
        silver_customers.filter(pl.col("segment") == "b2b"),
        left_on=pl.col("order_id").str.len_chars(),
        right_on="customer_id",
        how="semi",
    )


def cross_join_and_join_where(silver_orders, silver_customers):
    pairs = silver_orders.select("amount").join(silver_customers.select("name"), how="cross")
    cheaper = silver_orders.select("quantity").join_where(
        silver_customers.select("customer_id"), pl.col("quantity") < pl.col("customer_id")
    )
    return pl.concat([pairs, cheaper], how="horizontal")


def join_asof(silver_orders, silver_customers):
    return (
        silver_orders.select("customer_id", "amount")
        .sort("customer_id")
        .join_asof(
            silver_customers.select("customer_id", "name").sort("customer_id"), on="customer_id"
        )
    )


def join_asof_by_group(silver_orders, silver_customers):
    """The right frame's `by` columns are dropped whatever their names."""
    customers = silver_customers.select("customer_id", "name", "segment").sort("customer_id")
    return (
        silver_orders.select("customer_id", "country", "amount")
        .sort("customer_id")
        .join_asof(customers, on="customer_id", by_left="country", by_right="segment")
    )


def struct_and_list_ops(silver_orders):
    return silver_orders.select(
        pl.struct("quantity", "unit_price").alias("line"),
        pl.col("address").struct.field("city"),
        pl.col("tags").list.len().alias("tag_count"),
        pl.col("tags").list.first().alias("first_tag"),
        pl.col("amount").implode().alias("amounts"),
    )


def struct_built_then_read_by_field(silver_orders):
    line = pl.struct(price="unit_price", count=pl.col("quantity") * 2).alias("line")
    return (
        silver_orders.select("order_id", "status", line)
        .rename({"line": "order_line"})
        .filter(pl.col("status") == "paid")
        .select(
            "order_id",
            pl.col("order_line").struct.field("price"),
            pl.col("order_line").struct.field("count").alias("doubled"),
            pl.col("order_line").alias("whole"),
        )
    )


def struct_with_fields(silver_orders):
    return silver_orders.select(
        pl.col("address").struct.with_fields(label=pl.field("city") + pl.col("country"))
    )


def time_windows(silver_orders):
    daily = (
        silver_orders.sort("ordered_at")
        .group_by_dynamic("ordered_at", every="1d", group_by="country", include_boundaries=True)
        .agg(pl.col("amount").sum())
    )
    rolling = (
        silver_orders.sort("ordered_at")
        .rolling("ordered_at", period="7d")
        .agg(pl.col("quantity").mean().alias("weekly_quantity"))
    )
    return pl.concat([daily, rolling.select("weekly_quantity")], how="horizontal")


def sql_and_hints(silver_orders):
    orders = silver_orders.set_sorted("order_id").cache()
    return pl.SQLContext(orders=orders).execute(
        "SELECT country, SUM(amount) AS revenue FROM orders WHERE status = 'paid' GROUP BY country"
    )


def unnest_and_explode(silver_orders):
    return silver_orders.select("order_id", "address", "tags").unnest("address").explode("tags")


def unnest_with_separator(silver_orders, silver_customers):
    customer = silver_customers.select("customer_id", pl.struct("name", "segment").alias("c"))
    return (
        silver_orders.select("customer_id", "address")
        .join(customer, on="customer_id")
        .unnest("address", "c", separator="_")
    )


def concat_vertical(silver_orders):
    return pl.concat(
        [
            silver_orders.select(pl.col("amount").alias("value")),
            silver_orders.select(pl.col("quantity").cast(pl.Float64).alias("value")),
        ]
    )


def concat_diagonal(silver_orders, silver_customers):
    return pl.concat(
        [
            silver_orders.select("customer_id", "amount"),
            silver_customers.select("customer_id", "name"),
        ],
        how="diagonal",
    )


def unpivot(silver_orders):
    return silver_orders.select("order_id", "quantity", "unit_price").unpivot(index="order_id")


def all_selectors_sort_and_unique(silver_orders):
    return (
        silver_orders.select(pl.all().exclude("tags", "address", "ordered_at"))
        .with_columns(pl.col(pl.Float64) * 2)
        .sort("amount")
        .unique(subset=["order_id"])
        .head(10)
        .with_row_index()
    )


def quarantine_helper(silver_orders):
    orders = quarantine(
        silver_orders.select("order_id", "quantity", "unit_price"),
        {"duplicate": repeated("order_id"), "no price": pl.col("unit_price").is_null()},
    )
    kept = orders.kept.with_columns((pl.col("quantity") * pl.col("unit_price")).alias("amount"))
    return Quarantined(kept=kept, rejected=orders.rejected)


def map_elements_is_opaque(silver_orders):
    return silver_orders.select(
        "order_id",
        pl.col("amount").map_elements(abs, return_dtype=pl.Float64).alias("absolute"),
        pl.col("status").map_batches(lambda s: s.str.len_chars()).alias("status_length"),
        pl.col("tags").list.eval(pl.element().str.to_uppercase()).alias("upper_tags"),
    )


def frame_map_batches_is_opaque(silver_orders):
    return silver_orders.select("order_id", "amount").map_batches(lambda frame: frame)


def group_by_map_groups_is_opaque(silver_orders):
    return (
        silver_orders.select("country", "amount")
        .group_by("country")
        .map_groups(lambda group: group, schema=None)
    )


def eager_detour_is_opaque(silver_orders):
    detour = silver_orders.select("order_id", "amount").collect().lazy()
    return detour.with_columns(flag=pl.lit(True))


def eager_result_is_opaque(silver_orders):
    return silver_orders.collect().select("order_id")


def eager_series_is_opaque(silver_orders, silver_customers):
    """A Series collected from an upstream is a literal in the plan, like a list in the
    code; its values come from that upstream, which the plan no longer shows."""
    b2b = silver_customers.filter(pl.col("segment") == "b2b").collect()["customer_id"]
    return silver_orders.select(
        "order_id",
        pl.col("customer_id").is_in(b2b.implode()).alias("b2b"),
        pl.lit(b2b).alias("b2b_ids"),
        pl.col("status").is_in(["paid", "shipped"]).alias("settled"),
    )


CASES = {
    select_and_rename: {"id": f"{ORD}.order_id", "value": f"{ORD}.amount"},
    with_columns_arithmetic: {
        "quantity": f"{ORD}.quantity",
        "unit_price": f"{ORD}.unit_price",
        "amount": f"{ORD}.quantity, {ORD}.unit_price",
        "one": "(no input column)",
    },
    filter_is_no_value_dependency: {"order_id": f"{ORD}.order_id", "amount": f"{ORD}.amount"},
    conditional_sum_per_group: {
        "country": f"{ORD}.country",
        "revenue": f"{ORD}.amount, {ORD}.status",
        "paid_mean": f"{ORD}.amount, {ORD}.status",
        "latest_amount": f"{ORD}.amount, {ORD}.ordered_at",
        "orders": "(no input column)",
    },
    group_by_expression_key: {"day": f"{ORD}.ordered_at", "quantity": f"{ORD}.quantity"},
    when_then_otherwise: {
        "tier": f"{ORD}.amount, {ORD}.country, {ORD}.quantity, {ORD}.status",
        "price": f"{ORD}.amount, {ORD}.unit_price",
    },
    window_over_partition: {
        "country": f"{ORD}.country",
        "country_total": f"{ORD}.amount",
        "running": f"{ORD}.amount, {ORD}.ordered_at",
        "rolling": f"{ORD}.amount",
        "two_days": f"{ORD}.quantity",
    },
    left_join_with_suffix: {
        "customer_id": f"{ORD}.customer_id",
        "country": f"{ORD}.country",
        "amount": f"{ORD}.amount",
        "name": f"{CUS}.name",
        "country_right": f"{CUS}.country",
        "segment": f"{CUS}.segment",
    },
    inner_join_on_different_keys: {
        "customer_id": f"{ORD}.customer_id",
        "country": f"{ORD}.country",
        "id": f"{CUS}.customer_id",
        "name": f"{CUS}.name",
        "country_of_customer": f"{CUS}.country",
        "segment": f"{CUS}.segment",
    },
    full_join_coalesced: {
        "customer_id": f"{CUS}.customer_id, {ORD}.customer_id",
        "amount": f"{ORD}.amount",
        "name": f"{CUS}.name",
    },
    right_join: {
        "amount": f"{ORD}.amount",
        "customer_id": f"{CUS}.customer_id",
        "name": f"{CUS}.name",
    },
    semi_join: {"order_id": f"{ORD}.order_id"},
    cross_join_and_join_where: {
        "amount": f"{ORD}.amount",
        "name": f"{CUS}.name",
        "quantity": f"{ORD}.quantity",
        "customer_id": f"{CUS}.customer_id",
    },
    join_asof: {
        "customer_id": f"{ORD}.customer_id",
        "amount": f"{ORD}.amount",
        "name": f"{CUS}.name",
    },
    join_asof_by_group: {
        "customer_id": f"{ORD}.customer_id",
        "country": f"{ORD}.country",
        "amount": f"{ORD}.amount",
        "name": f"{CUS}.name",
    },
    struct_and_list_ops: {
        "line": f"{ORD}.quantity, {ORD}.unit_price",
        "city": f"{ORD}.address",
        "tag_count": f"{ORD}.tags",
        "first_tag": f"{ORD}.tags",
        "amounts": f"{ORD}.amount",
    },
    struct_built_then_read_by_field: {
        "order_id": f"{ORD}.order_id",
        "price": f"{ORD}.unit_price",
        "doubled": f"{ORD}.quantity",
        "whole": f"{ORD}.quantity, {ORD}.unit_price",
    },
    struct_with_fields: {"address": f"{ORD}.address, {ORD}.country"},
    time_windows: {
        "country": f"{ORD}.country",
        "_lower_boundary": f"{ORD}.ordered_at",
        "_upper_boundary": f"{ORD}.ordered_at",
        "ordered_at": f"{ORD}.ordered_at",
        "amount": f"{ORD}.amount",
        "weekly_quantity": f"{ORD}.quantity",
    },
    sql_and_hints: {"country": f"{ORD}.country", "revenue": f"{ORD}.amount"},
    unnest_and_explode: {
        "order_id": f"{ORD}.order_id",
        "city": f"{ORD}.address",
        "zip": f"{ORD}.address",
        "tags": f"{ORD}.tags",
    },
    unnest_with_separator: {
        "customer_id": f"{ORD}.customer_id",
        "address_city": f"{ORD}.address",
        "address_zip": f"{ORD}.address",
        "c_name": f"{CUS}.name",
        "c_segment": f"{CUS}.segment",
    },
    concat_vertical: {"value": f"{ORD}.amount, {ORD}.quantity"},
    concat_diagonal: {
        "customer_id": f"{CUS}.customer_id, {ORD}.customer_id",
        "amount": f"{ORD}.amount",
        "name": f"{CUS}.name",
    },
    unpivot: {
        "order_id": f"{ORD}.order_id",
        "variable": "(no input column)",
        "value": f"{ORD}.quantity, {ORD}.unit_price",
    },
    all_selectors_sort_and_unique: {
        "index": "(no input column)",
        "order_id": f"{ORD}.order_id",
        "customer_id": f"{ORD}.customer_id",
        "country": f"{ORD}.country",
        "status": f"{ORD}.status",
        "quantity": f"{ORD}.quantity",
        "unit_price": f"{ORD}.unit_price",
        "amount": f"{ORD}.amount",
    },
    quarantine_helper: {
        "order_id": f"{ORD}.order_id",
        "quantity": f"{ORD}.quantity",
        "unit_price": f"{ORD}.unit_price",
        "amount": f"{ORD}.quantity, {ORD}.unit_price",
    },
    # Opaque steps: unknown, never guessed; the columns around them stay known.
    map_elements_is_opaque: {
        "order_id": f"{ORD}.order_id",
        "absolute": "unknown",
        "status_length": "unknown",
        "upper_tags": "unknown",
    },
    frame_map_batches_is_opaque: {"order_id": "unknown", "amount": "unknown"},
    group_by_map_groups_is_opaque: {"country": "unknown", "amount": "unknown"},
    eager_detour_is_opaque: {
        "order_id": "unknown",
        "amount": "unknown",
        "flag": "(no input column)",
    },
    eager_result_is_opaque: {"order_id": "unknown"},
    eager_series_is_opaque: {
        "order_id": f"{ORD}.order_id",
        "b2b": "unknown",
        "b2b_ids": "unknown",
        "settled": f"{ORD}.status",
    },
}


@pytest.mark.parametrize("compute", list(CASES), ids=lambda compute: compute.__name__)
def test_lineage_of_each_case(compute):
    with warnings.catch_warnings():
        warnings.simplefilter("error", LineageWarning)  # every case is read, none given up
        lineage = lineage_of(compute, SCHEMAS)
    assert describe(lineage) == CASES[compute]
    assert lineage.note == ""


def test_filters_join_keys_and_groups_are_reported_apart():
    filtered = lineage_of(filter_is_no_value_dependency, SCHEMAS)
    assert filtered.filters == {
        name: ((ORD, "quantity"), (ORD, "status")) for name in ("order_id", "amount")
    }
    grouped = lineage_of(conditional_sum_per_group, SCHEMAS)
    assert grouped.filters["revenue"] == ((ORD, "country"),)
    assert "country" not in grouped.filters  # a key is the value of its own column
    windowed = lineage_of(window_over_partition, SCHEMAS)
    assert windowed.filters["country_total"] == ((ORD, "country"),)
    assert windowed.filters["two_days"] == ((ORD, "ordered_at"),)
    by_group = lineage_of(join_asof_by_group, SCHEMAS)
    assert by_group.filters["name"] == (
        (CUS, "customer_id"),
        (CUS, "segment"),
        (ORD, "country"),
        (ORD, "customer_id"),
    )
    joined = lineage_of(semi_join, SCHEMAS)
    assert joined.filters["order_id"] == ((CUS, "customer_id"), (CUS, "segment"), (ORD, "order_id"))
    # The kept rows of a quarantine are chosen by its rules: repeated("order_id") included,
    # which finds nothing repeated on the empty frames lineage reads.
    quarantined = lineage_of(quarantine_helper, SCHEMAS)
    assert quarantined.filters["amount"] == ((ORD, "order_id"), (ORD, "unit_price"))


def test_the_plan_format_is_the_one_this_polster_reads():
    """A Polars upgrade that changes its IR fails here first: check the cases above against
    it, then add its version to SUPPORTED_IR_VERSIONS."""
    assert ir_version() in SUPPORTED_IR_VERSIONS, (
        f"Polars {pl.__version__} shows IR version {ir_version()}; polster.core.lineage reads "
        f"{sorted(SUPPORTED_IR_VERSIONS)}"
    )


def test_another_plan_version_makes_every_column_unknown_with_one_warning(monkeypatch):
    import polster.core.lineage as lineage_module

    monkeypatch.setattr(lineage_module, "SUPPORTED_IR_VERSIONS", frozenset({(0, 0)}))
    with pytest.warns(LineageWarning) as warned:
        lineage = lineage_of(with_columns_arithmetic, SCHEMAS)
    assert len(warned) == 1
    assert "IR version" in str(warned[0].message)
    assert lineage.columns == {}
    assert lineage.unknown == ("quantity", "unit_price", "amount", "one")


def test_an_expression_this_polster_does_not_read_is_unknown_with_one_warning(monkeypatch):
    """What the reader does not know makes the columns it touches unknown, never wrong."""
    import polster.core.lineage as lineage_module

    fields = {k: v for k, v in lineage_module.VALUE_FIELDS.items() if k != "BinaryExpr"}
    monkeypatch.setattr(lineage_module, "VALUE_FIELDS", fields)
    with pytest.warns(LineageWarning, match="a BinaryExpr expression") as warned:
        lineage = lineage_of(with_columns_arithmetic, SCHEMAS)
    assert len(warned) == 1
    assert describe(lineage) == {
        "quantity": f"{ORD}.quantity",
        "unit_price": f"{ORD}.unit_price",
        "amount": "unknown",
        "one": "(no input column)",
    }


def core_module(folder: Path, key: str, source: str):
    """A core module `key` written to `folder` and imported (its key is its file name)."""
    path = folder / f"{key}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"lineage_case_{key}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SCORED = """
import polars as pl

LINEAGE = {LINEAGE}


def score(silver_orders):
    return silver_orders.select(
        "order_id",
        pl.struct("amount", "status")
        .map_elements(lambda row: 1.0, return_dtype=pl.Float64)
        .alias("score"),
    )
"""


README = Path(__file__).resolve().parents[2] / "template" / "README.md.jinja"


def test_a_module_declares_the_lineage_of_its_opaque_columns(tmp_path):
    """The declaration the generated README shows, in a module with an opaque column."""
    section = README.read_text(encoding="utf-8").split("### Column lineage\n", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0].strip()
    assert example.startswith("LINEAGE = ")
    declared = example.removeprefix("LINEAGE = ")
    module = core_module(tmp_path, "gold_scores", SCORED.replace("{LINEAGE}", declared))
    lineage = lineage_of(module.score, SCHEMAS)
    assert describe(lineage) == {
        "order_id": f"{ORD}.order_id",
        "score": f"{ORD}.amount, {ORD}.status",
    }
    assert lineage.unknown == ()
    assert lineage.declared == ("score",)


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        (
            '{"score": ["silver_orders.amout"]}',
            r'LINEAGE\["score"\] in src/core/gold_scores.py names silver_orders.amout, but '
            r"silver_orders has no column amout \(it has order_id, ",
        ),
        (
            '{"score": ["silver_order.amount"]}',
            r"LINEAGE\[\"score\"\] in src/core/gold_scores.py names 'silver_order.amount': "
            r'write "asset.column" with an upstream of score\(\) \(silver_orders\)',
        ),
        (
            '{"score": "silver_orders.amount"}',
            r'LINEAGE\["score"\] in src/core/gold_scores.py must be a list of "asset.column"',
        ),
        (
            '{"scor": ["silver_orders.amount"]}',
            r"LINEAGE in src/core/gold_scores.py names scor, not a column the function returns",
        ),
    ],
    ids=["unknown column", "unknown asset", "not a list", "unknown output"],
)
def test_a_wrong_lineage_declaration_is_one_line_naming_the_file(tmp_path, declared, message):
    module = core_module(tmp_path, "gold_scores", SCORED.replace("{LINEAGE}", declared))
    with pytest.raises(DeclarationError, match=message) as raised:
        lineage_of(module.score, SCHEMAS)
    assert "\n" not in str(raised.value)


def test_a_bronze_asset_has_no_upstream_asset_and_is_not_called(tmp_path):
    module = core_module(
        tmp_path,
        "bronze_orders",
        'def extract():\n    raise AssertionError("a source is never read for lineage")\n',
    )
    lineage = lineage_of(module.extract, {})
    assert (lineage.columns, lineage.unknown, lineage.from_source) == ({}, (), True)


TEMPLATE_CORE = README.parent / "src" / "core"


def example_modules(folder: Path) -> list:
    """The generated example's core modules (bronze, silver, gold), as the template has them."""
    return [
        core_module(folder, key, source.read_text(encoding="utf-8"))
        for key in ("bronze_example", "silver_example", "gold_example")
        for source in [TEMPLATE_CORE / f"{{% if include_examples %}}{key}.py{{% endif %}}"]
    ]


def test_the_examples_lineage_is_exact(tmp_path):
    """The generated example: silver's amount from bronze's quantity and unit_price, gold's
    average order value from silver's status and amount (a conditional sum)."""
    bronze, silver_module, gold_module = example_modules(tmp_path)
    silver = lineage_of(silver_module.transform, {"bronze_example": bronze.RAW_SCHEMA})
    assert describe(silver)["amount"] == "bronze_example.quantity, bronze_example.unit_price"
    assert silver.unknown == ()
    schema = pl.Schema(silver_module.SCHEMA)
    gold = lineage_of(gold_module.aggregate, {"silver_example": schema})
    assert describe(gold)["average_order_value"] == "silver_example.amount, silver_example.status"
    assert describe(gold)["revenue"] == "silver_example.amount, silver_example.status"
    assert gold.unknown == ()


def test_each_materialization_carries_column_lineage_and_schema(store, tmp_path, monkeypatch):
    """The generated example's three assets through Dagster, in process (1,000 generated
    orders): bronze's columns come from its source (no upstream asset), silver's and gold's
    exactly from the columns upstream; the column schema has the written types and the
    module's COLUMNS descriptions."""
    import dagster as dg
    from polster.orchestration.asset_factory import TABLE_STORE, medallion_asset

    bronze, silver, gold = example_modules(tmp_path)
    described = {"revenue": "Completed  orders'\n    amounts"}  # one line, as in the catalog
    monkeypatch.setattr(gold, "COLUMNS", described, raising=False)
    assets = [medallion_asset(f) for f in (bronze.extract, silver.transform, gold.aggregate)]
    definitions = dg.Definitions(assets=assets, resources={TABLE_STORE: store})
    result = definitions.resolve_implicit_global_asset_job_def().execute_in_process()
    assert result.success
    materialized = {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }

    def lineage(key: str) -> dict[str, str]:
        value = materialized[key]["dagster/column_lineage"].value
        return {
            column: ", ".join(f"{d.asset_key.to_user_string()}.{d.column_name}" for d in deps)
            for column, deps in value.deps_by_column.items()
        }

    assert lineage("bronze_example") == dict.fromkeys(bronze.RAW_SCHEMA.names(), "")
    assert lineage("silver_example")["amount"] == (
        "bronze_example.quantity, bronze_example.unit_price"
    )
    assert lineage("silver_example")["status"] == "bronze_example.status"
    assert lineage("gold_example")["average_order_value"] == (
        "silver_example.amount, silver_example.status"
    )
    assert lineage("gold_example")["orders"] == ""  # pl.len(): no input column
    assert "column_lineage_unknown" not in materialized["gold_example"]
    schema = materialized["gold_example"]["dagster/column_schema"].value
    assert [(c.name, c.type, c.description) for c in schema.columns][-2:] == [
        ("revenue", "Float64", "Completed orders' amounts"),
        ("average_order_value", "Float64", None),
    ]


def per_status(silver_orders):
    """Columns named after the data: on the rowless placeholder there are none of them."""
    statuses = silver_orders.select("status").unique().collect()["status"].to_list()
    return silver_orders.group_by("country").agg(
        pl.col("amount").filter(pl.col("status") == status).sum().alias(status)
        for status in statuses
    )


def test_a_written_column_the_plan_does_not_show_is_named_unknown():
    """The plan is read on rowless frames: a column that comes from the data (one per
    status) is not in it, and the materialization says its lineage is unknown."""
    from polster.orchestration.column_lineage import lineage_metadata

    lineage = lineage_of(per_status, SCHEMAS)
    assert describe(lineage) == {"country": f"{ORD}.country"}
    written = pl.Schema({"country": pl.String, "paid": pl.Float64, "open": pl.Float64})
    metadata = lineage_metadata(lineage, written, {})
    assert list(metadata["dagster/column_lineage"].value.deps_by_column) == ["country"]
    assert metadata["column_lineage_unknown"].value == "paid, open"


def test_a_columns_declaration_polster_cannot_read_stops_the_definitions(tmp_path):
    from polster.orchestration.asset_factory import medallion_asset

    module = core_module(
        tmp_path,
        "gold_described",
        'COLUMNS = ["revenue"]\n\n\ndef aggregate(silver_orders):\n    return silver_orders\n',
    )
    with pytest.raises(DeclarationError, match=r"COLUMNS in src/core/gold_described.py must map"):
        medallion_asset(module.aggregate)


def test_a_partitioned_asset_gets_its_first_partition(tmp_path):
    module = core_module(
        tmp_path,
        "gold_daily",
        'import polars as pl\n\nPARTITIONS = "daily"\nPARTITIONS_START = "2024-01-01"\n\n\n'
        "def aggregate(silver_orders, partition):\n"
        '    return silver_orders.select("amount", pl.lit(partition).alias("day"))\n',
    )
    lineage = lineage_of(module.aggregate, SCHEMAS)
    assert describe(lineage) == {"amount": f"{ORD}.amount", "day": "(no input column)"}


def test_a_wrong_lineage_fails_the_asset_before_anything_is_written(store, tmp_path):
    import dagster as dg
    from polster.orchestration import runner
    from polster.orchestration.asset_factory import TABLE_STORE, medallion_asset

    orders = pl.DataFrame({"order_id": ["A"], "amount": [1.0], "status": ["paid"]})
    store.write("silver_orders", orders)
    declared = '{"score": ["silver_orders.stauts"]}'
    module = core_module(tmp_path, "gold_scores", SCORED.replace("{LINEAGE}", declared))
    definitions = dg.Definitions(
        assets=[medallion_asset(module.score)], resources={TABLE_STORE: store}
    )
    job = definitions.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        asset_selection=[dg.AssetKey("gold_scores")], raise_on_error=False
    )
    (failure,) = result.get_step_failure_events()
    assert runner.root_cause(failure.step_failure_data.error).startswith(
        'LINEAGE["score"] in src/core/gold_scores.py names silver_orders.stauts, but '
        "silver_orders has no column stauts (it has order_id, amount, status)"
    )
    assert not store.exists("gold_scores")  # the function itself would have run fine


def test_a_plan_polster_cannot_read_leaves_the_run_alone_with_one_warning(
    store, tmp_path, monkeypatch
):
    """Under another Polars IR, the table is still written; its columns are named unknown,
    and the run log says why once."""
    import dagster as dg
    import polster.core.lineage as lineage_module
    from polster.orchestration.asset_factory import TABLE_STORE, medallion_asset

    monkeypatch.setattr(lineage_module, "SUPPORTED_IR_VERSIONS", frozenset({(0, 0)}))
    store.write("silver_orders", pl.DataFrame({"order_id": ["A"], "amount": [1.0]}))
    module = core_module(
        tmp_path,
        "gold_totals",
        "import polars as pl\n\n\ndef total(silver_orders):\n"
        '    return silver_orders.select(pl.col("amount").sum())\n',
    )
    definitions = dg.Definitions(
        assets=[medallion_asset(module.total)], resources={TABLE_STORE: store}
    )
    with dg.DagsterInstance.ephemeral() as instance:
        result = definitions.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[dg.AssetKey("gold_totals")]
        )
        assert result.success
        logged = [entry.user_message for entry in instance.all_logs(result.run_id)]
    (metadata,) = [e.materialization.metadata for e in result.get_asset_materialization_events()]
    assert metadata["dagster/column_lineage"].value.deps_by_column == {}
    assert metadata["column_lineage_unknown"].value == "amount"
    warned = [message for message in logged if "column lineage unknown" in message]
    assert len(warned) == 1
    assert "IR version" in warned[0]
