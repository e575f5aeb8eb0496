"""The catalog (`polster docs`) on the sample project's real tables: what it reads into its
model, the pages it writes, and its guarantees (reads only, no secret, one line for a table
it cannot read). The browser test of the pages is in tests/test_catalog.py."""

from __future__ import annotations

import html
import importlib
import json
import os
import re
import socket
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from polster.contract.declaration import DeclarationError, declared_columns
from polster.core.materialize import materialize
from polster.core.paths import project_root
from polster.core.storage import TableStore
from polster.testing import temporary_store
from polster.tooling import cli
from polster.tooling.catalog import collect, model, profile, render, site
from polster.tooling.project import Asset, Project, load_project

ORDERS = ("bronze_orders", "silver_orders", "gold_revenue")
RUN_ID = "3f2a9c1e-0000-4000-8000-000000000001"


def core(key: str):
    project_root()  # puts the sample project's src/ on the path
    return importlib.import_module(f"core.{key}")


def compute(key: str):
    return getattr(
        core(key),
        {"bronze": "extract", "silver": "transform", "gold": "aggregate"}[key.split("_")[0]],
    )


def write_tables(store: TableStore, keys=ORDERS) -> None:
    for key in keys:
        materialize(compute(key), store, RUN_ID)


def project_at(sample_project: Path, root: Path) -> Project:
    """The sample project's assets, with `root` for its reports and wrappers."""
    return replace(load_project(sample_project), root=root)


def run_report(root: Path) -> None:
    """The summary.json a run of every asset leaves, gold's range check failing."""
    assets = [
        {
            "asset": "bronze_orders",
            "status": "materialized",
            "checks_passed": ["order_id_not_null"],
        },
        {
            "asset": "silver_orders",
            "status": "materialized",
            "checks_passed": ["unit_price_not_null", "order_id_unique"],
            "rows_rejected": 1,
        },
        {
            "asset": "gold_revenue",
            "status": "failed",
            "checks_failed": [
                {"check": "at_least_1_rows", "description": "0 rows", "blocking": True}
            ],
        },
    ]
    folder = root / "reports" / RUN_ID
    folder.mkdir(parents=True)
    summary = {"run_id": RUN_ID, "environment": "dev", "success": False, "assets": assets}
    (folder / "summary.json").write_text(json.dumps(summary))


@pytest.fixture
def catalog(sample_project: Path, tmp_path: Path) -> tuple[model.Catalog, TableStore]:
    store = temporary_store(tmp_path)
    write_tables(store)
    run_report(tmp_path)
    wrapper = tmp_path / "src/orchestration/assets/gold/run_gold_revenue.py"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(
        "from polster import medallion_asset\nfrom core.gold_revenue import aggregate\n\n"
        'gold_revenue = medallion_asset(aggregate, owners=["team:finance"])\n'
    )
    return collect.collect(project_at(sample_project, tmp_path), store, "sample"), store


def test_the_catalog_holds_every_asset_with_its_table(catalog):
    catalog, _ = catalog
    assert list(catalog.assets) == list(ORDERS)
    bronze, silver, gold = (catalog.assets[key] for key in ORDERS)
    assert (bronze.layer, silver.layer, gold.layer) == ("bronze", "silver", "gold")
    assert silver.description == "Priced orders with a clean country and their amount."
    assert gold.owners == ("team:finance",)
    assert silver.upstreams == ("bronze_orders",)
    assert silver.downstreams == ("gold_revenue",)
    assert [(c.name, c.dtype) for c in gold.columns] == [
        ("country", "String"),
        ("revenue", "Float64"),
    ]
    assert silver.freshness.run_id == RUN_ID
    assert silver.freshness.environment == "dev"
    assert (silver.freshness.version, silver.freshness.rows) == (0, 5)
    assert silver.quarantined == 1  # the order without a price
    assert bronze.quarantined is None
    assert [entry.operation for entry in silver.history] == ["CREATE TABLE"]
    assert not any(asset.notes and asset.unreadable for asset in catalog.assets.values())


def test_checks_show_their_latest_result(catalog):
    catalog, _ = catalog
    silver = {check.name: check for check in catalog.assets["silver_orders"].checks}
    assert {name: check.status for name, check in silver.items()} == {
        "unit_price_not_null": "passed",
        "order_id_unique": "passed",
    }
    assert silver["order_id_unique"].run_id == RUN_ID
    assert silver["order_id_unique"].blocking
    (gold,) = catalog.assets["gold_revenue"].checks
    assert (gold.status, gold.detail) == ("failed", "0 rows")
    (bronze,) = catalog.assets["bronze_orders"].checks
    assert not bronze.blocking  # bronze checks warn


def test_each_table_is_profiled(catalog):
    catalog, _ = catalog
    bronze = catalog.assets["bronze_orders"]
    assert (bronze.profile.rows, bronze.profile.profiled_rows) == (6, 6)
    columns = {column.name: column.profile for column in bronze.columns}
    assert columns["unit_price"].nulls == 1
    assert columns["order_id"].distinct == 6
    assert (columns["quantity"].minimum, columns["quantity"].maximum) == ("1", "5")
    assert sum(columns["quantity"].histogram.counts) == 6
    assert sum(columns["unit_price"].histogram.counts) == 5  # the null is in no bin
    assert columns["country"].histogram is None


def test_a_profile_is_bounded_to_its_first_rows():
    frame = pl.LazyFrame({"x": range(50_000), "label": ["a", "b"] * 25_000})
    bounded = profile.profile(frame, version=3, rows=50_000, max_rows=1_000)
    assert (bounded.rows, bounded.profiled_rows, bounded.sampled) == (50_000, 1_000, True)
    assert bounded.columns["x"].maximum == "999"
    assert sum(bounded.columns["x"].histogram.counts) == 1_000


def test_columns_carry_their_lineage_across_layers(catalog):
    catalog, _ = catalog
    silver = {column.name: column for column in catalog.assets["silver_orders"].columns}
    gold = {column.name: column for column in catalog.assets["gold_revenue"].columns}
    assert {(up.asset, up.column) for up in silver["amount"].upstreams} == {
        ("bronze_orders", "quantity"),
        ("bronze_orders", "unit_price"),
    }
    assert [(up.asset, up.column) for up in gold["revenue"].upstreams] == [
        ("silver_orders", "amount")
    ]
    # Group keys decide which rows there are: shown apart from the values' sources.
    assert [(up.asset, up.column) for up in gold["revenue"].decided_by] == [
        ("silver_orders", "country")
    ]
    bronze = {column.name: column for column in catalog.assets["bronze_orders"].columns}
    assert bronze["quantity"].upstreams is None  # from the source
    page = render.pages(catalog)["assets/gold_revenue.html"]
    assert 'rows chosen by <a class="filter" data-asset="silver_orders"' in page


def test_column_descriptions_are_declared_next_to_the_logic(
    catalog, sample_project, tmp_path, monkeypatch
):
    module = core("gold_revenue")
    described = {"revenue": "Sum of  the\namounts", "profit": "?"}
    monkeypatch.setattr(module, "COLUMNS", described, raising=False)
    _, store = catalog
    project = project_at(sample_project, tmp_path)
    gold = collect.collect(project, store, "sample").assets["gold_revenue"]
    assert {c.name: c.description for c in gold.columns}["revenue"] == "Sum of the amounts"
    (warning,) = [note for note in gold.notes if note.startswith("COLUMNS")]
    assert "COLUMNS in src/core/gold_revenue.py describes profit" in warning
    monkeypatch.setattr(module, "COLUMNS", ["revenue"])
    with pytest.raises(DeclarationError, match="must map column names to descriptions"):
        declared_columns(module, "gold_revenue")


def table_files(root: Path) -> dict[str, float]:
    return {str(path): path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()}


def test_building_reads_the_tables_and_never_writes_them(sample_project, tmp_path):
    store = temporary_store(tmp_path)
    write_tables(store)
    before = table_files(tmp_path)  # the tables, their locks and write journal
    versions = {key: store.latest_commit(key).version for key in ORDERS}
    catalog = collect.collect(project_at(sample_project, tmp_path), store, "sample")
    site.write_site(tmp_path.parent / f"{tmp_path.name}-site", render.pages(catalog))
    assert table_files(tmp_path) == before
    assert {key: store.latest_commit(key).version for key in ORDERS} == versions


def test_a_table_that_cannot_be_read_is_one_line_and_the_site_builds(sample_project, tmp_path):
    store = temporary_store(tmp_path)
    write_tables(store, ORDERS[:2])  # gold: never materialized
    log = tmp_path / "data" / "silver" / "orders" / "_delta_log" / "00000000000000000000.json"
    log.write_text("this is not a Delta log\n")
    catalog = collect.collect(project_at(sample_project, tmp_path), store, "sample")
    silver, gold = catalog.assets["silver_orders"], catalog.assets["gold_revenue"]
    assert silver.unreadable
    assert "\n" not in silver.unreadable
    assert silver.freshness is None
    assert (gold.unreadable, gold.freshness) == (None, None)
    index = site.write_site(tmp_path / "site", render.pages(catalog))
    page = (index.parent / "assets" / "silver_orders.html").read_text()
    assert "Cannot be read: " in page
    assert "Never materialized" in (index.parent / "assets" / "gold_revenue.html").read_text()
    assert "never materialized" in index.read_text()


ACCOUNT_KEY = "cG9sc3Rlci1jYXRhbG9nLXNlY3JldC1hY2NvdW50LWtleQ=="
API_TOKEN = "tok_catalog_0123456789abcdef"


def test_no_secret_reaches_any_file_of_the_site(sample_project, tmp_path, monkeypatch):
    monkeypatch.setenv("ADLS_ACCOUNT_KEY", ACCOUNT_KEY)
    monkeypatch.setenv("BRONZE_ORDERS_API_TOKEN", API_TOKEN)
    monkeypatch.setenv("CRM_DATABASE_URL", "postgresql://reader:pa55-w0rd!@db:5432/crm")
    store = temporary_store(tmp_path)
    write_tables(store)
    catalog = collect.collect(project_at(sample_project, tmp_path), store, "sample")
    # A secret in what the site shows (an error message quoting a URL, say) is hidden.
    leaky = replace(
        catalog.assets["bronze_orders"],
        notes=(f"could not reach https://api.example.com/?token={API_TOKEN}",),
        description=f"key {ACCOUNT_KEY}, database pa55-w0rd!",
    )
    catalog = replace(catalog, assets={**catalog.assets, "bronze_orders": leaky})
    output = site.write_site(
        tmp_path / "site", render.pages(catalog), site.secret_values(os.environ)
    ).parent
    texts = [path.read_text() for path in output.rglob("*") if path.is_file()]
    assert len(texts) == 4 + 1 + 2 + 1  # pages, data.js, static files, marker
    for secret in (ACCOUNT_KEY, API_TOKEN, "pa55-w0rd!"):
        assert not any(secret in text for text in texts), secret
    assert site.HIDDEN in (output / "assets" / "bronze_orders.html").read_text()


def test_a_secret_is_hidden_in_its_escaped_form_too(tmp_path):
    """A SAS token has "&"s: on a page it is written "&amp;", and a browser shows it whole."""
    sas = "sv=2024-08-04&ss=b&srt=sco&sp=rl&sig=Zm9vYmFy%2Bc2VjcmV0"
    column = model.Column(name=f'x {sas} "{API_TOKEN}"', dtype="String")
    asset = model.Asset(
        key="gold_a",
        layer="gold",
        notes=(f"cannot read https://acct.blob/x?{sas}",),
        columns=(column,),
    )
    catalog = model.Catalog("p", "dev", "now", {"gold_a": asset})
    secrets = site.secret_values({"ADLS_SAS_TOKEN": sas, "X_API_TOKEN": f'"{API_TOKEN}"'})
    output = site.write_site(tmp_path / "site", render.pages(catalog), secrets).parent
    for path in output.rglob("*"):
        if path.is_file():
            shown = html.unescape(path.read_text())
            assert sas not in shown, path.name
            assert API_TOKEN not in shown, path.name


def test_pages_escape_the_projects_text_and_load_nothing_from_elsewhere():
    column = model.Column(
        name='<script>alert("x")</script>',
        dtype="String",
        description="a & b < c",
        upstreams=(model.Upstream("silver_a", "x y#z"),),
    )
    asset = model.Asset(key="gold_a", layer="gold", description="<b>bold</b>", columns=(column,))
    catalog = model.Catalog("p<roject>", "dev", "now", {"gold_a": asset})
    files = render.pages(catalog)
    page = files["assets/gold_a.html"]
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page
    assert "a &amp; b &lt; c" in page
    assert "<b>bold" not in page
    assert 'href="../assets/silver_a.html#column-x%20y%23z"' in page
    assert "<script>" not in files["data.js"]
    static = Path(render.__file__).with_name("static")
    everything = [*files.values(), *(path.read_text() for path in static.iterdir())]
    assert not [text for text in everything if re.search(r"https?:|//[a-z]", text)]
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["../data.js", "../catalog.js"]


def test_the_site_replaces_only_a_catalog_it_wrote(tmp_path):
    output = tmp_path / "catalog"
    catalog = model.Catalog("p", "dev", "now", {})
    site.write_site(output, render.pages(catalog))
    (output / "stale.html").write_text("old")
    site.write_site(output, render.pages(catalog))
    assert not (output / "stale.html").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["catalog"]  # nothing left over
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(Exception, match="is not a catalog polster docs wrote"):
        site.write_site(mine, render.pages(catalog))
    assert (mine / "notes.txt").read_text() == "keep me"


def test_polster_docs_writes_the_site_and_refuses_a_busy_port(sample_project, tmp_path, capsys):
    defaults = cli.build_parser().parse_args(["docs"])
    assert (defaults.profile_rows, defaults.port) == (collect.PROFILE_ROWS, 8000)
    assert cli.main(["docs", "--output", str(tmp_path / "site"), "--profile-rows", "10"]) == 0
    out = capsys.readouterr().out
    assert f"open {(tmp_path / 'site' / 'index.html').as_uri()}" in out
    assert (tmp_path / "site" / "catalog.js").is_file()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = cli.main(
            ["docs", "--output", str(tmp_path / "site"), "--serve", "--port", str(port)]
        )
    assert code == 1
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if not line.startswith("warning: ")]
    assert line.startswith("error: ")
    assert f"cannot serve the catalog on 127.0.0.1:{port}" in line
    assert "--port 8001" in line


def test_once_the_time_budget_is_spent_tables_are_listed_without_a_profile(catalog, tmp_path):
    _, store = catalog
    project = project_at(load_project(project_root()).root, tmp_path)
    spent = collect.collect(project, store, "sample", budget_seconds=0)
    for asset in spent.assets.values():
        assert asset.profile is None
        assert asset.freshness is not None
        assert any("time budget" in note for note in asset.notes)


def test_partitions_and_a_module_that_does_not_import_are_shown(
    sample_project, tmp_path, monkeypatch
):
    monkeypatch.setattr(core("gold_revenue"), "PARTITIONS", "daily", raising=False)
    monkeypatch.setattr(core("gold_revenue"), "PARTITIONS_START", "2024-01-01", raising=False)
    store = temporary_store(tmp_path)
    write_tables(store, ORDERS[:2])
    project = project_at(sample_project, tmp_path)
    broken = Asset("silver_broken", ("bronze_orders",), has_core_module=True, has_wrapper=True)
    project = replace(project, assets={**project.assets, "silver_broken": broken})
    catalog = collect.collect(project, store, "sample")
    assert catalog.assets["gold_revenue"].partitions == "daily from 2024-01-01; none written yet"
    (note,) = catalog.assets["silver_broken"].notes
    assert note.startswith("src/core/silver_broken.py could not be imported: ModuleNotFoundError")
    assert "could not be imported" in render.pages(catalog)["assets/silver_broken.html"]


def test_a_polars_panic_while_reading_lineage_is_one_line(catalog, sample_project, monkeypatch):
    def panics(compute, schemas):
        msg = "index out of bounds"
        raise pl.exceptions.PanicException(msg)

    monkeypatch.setattr(collect, "lineage_of", panics)
    _, store = catalog
    project = project_at(sample_project, sample_project)
    gold = collect.collect(project, store, "sample").assets["gold_revenue"]
    assert "column lineage could not be read: PanicException: index out of bounds" in gold.notes
