"""The catalog as a person sees it: `make docs` in a rendered project after a real run, then
the system's Chromium (headless, driven by Playwright) opens it from file:// and clicks
through it; the README's Catalog commands, `make docs-serve` included, run as shown.

Screenshots are kept in test-artifacts/catalog/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import (
    PYTHON,
    REPO,
    asset_table,
    make,
    project_env,
    render_project,
    run_polster,
    without_dagster_telemetry,
)
from tests.ports import free_port
from tests.readme_commands import SECTIONS_TESTED_ON_THEIR_OWN, all_commands, section_commands

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "catalog"
SERVE_TIMEOUT = 60


@pytest.fixture(scope="module")
def project(template_src: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project after one run (tables, checks in reports/), catalog written."""
    project = render_project(template_src, tmp_path_factory.mktemp("catalog") / "shop")
    without_dagster_telemetry(project)
    run_polster(project, check=True)
    tables = table_files(project / "data")
    built = make(project, "docs")  # the README's first Catalog command
    assert (
        f"Wrote the catalog of 3 asset(s): open {(project / 'catalog' / 'index.html').as_uri()}"
        in built.stdout
    )
    assert "warning:" not in built.stderr, built.stderr  # every column's lineage is known
    (project.parent / "tables-before-docs.json").write_text(json.dumps(tables))
    return project


def table_files(data: Path) -> dict[str, int]:
    """Every file of the tables, with its modification time."""
    return {str(path): path.stat().st_mtime_ns for path in data.rglob("*") if path.is_file()}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(
            "SKIPPED LOUDLY: Chromium is not installed (/usr/bin/chromium) and .ci/run could "
            "not install it: apt-get install -y chromium"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page that records every request it makes and every script error."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    page.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("html[data-catalog=ready]")


def test_the_catalog_renders_every_asset_column_check_and_lineage(project, page):
    site = project / "catalog"
    open_page(page, (site / "index.html").as_uri())
    keys = ["bronze_example", "silver_example", "gold_example"]
    assert (
        page.locator("tr.asset-row").evaluate_all("rows => rows.map(row => row.dataset.asset)")
        == keys
    )
    assert page.locator("svg.graph .node").count() == 3
    edges = page.locator("svg.graph .edge").evaluate_all(
        "edges => edges.map(edge => edge.dataset.from + '>' + edge.dataset.to)"
    )
    assert sorted(edges) == ["bronze_example>silver_example", "silver_example>gold_example"]
    # The filter (catalog.js) finds gold by one of its columns.
    page.fill("#search", "average_order_value")
    assert page.locator("tr.asset-row:visible").evaluate_all(
        "rows => rows.map(row => row.dataset.asset)"
    ) == ["gold_example"]
    page.fill("#search", "")
    shot(page, "index")

    page.click('svg.graph .node[data-asset="gold_example"]')
    page.wait_for_selector("#asset[data-asset=gold_example]")
    columns = page.locator("tr.column").evaluate_all("rows => rows.map(r => r.dataset.column)")
    assert columns == asset_table(project, "gold_example").columns
    assert "Sum of the amounts of the completed orders" in page.inner_text("#column-revenue")
    statuses = page.locator("tr.check .status").all_inner_texts()
    assert statuses == ["passed"] * 4, statuses
    assert "by run" in page.inner_text("#state")
    upstreams = page.locator("#column-average_order_value a.upstream").all_inner_texts()
    assert sorted(upstreams) == ["silver_example.amount", "silver_example.status"]
    assert page.locator("#history tbody tr").count() >= 1
    assert page.locator("#columns svg.histogram").count() >= 5  # the numeric columns
    shot(page, "gold_example")

    # Click through: gold's revenue -> silver's amount -> bronze's quantity.
    page.click('#column-revenue a.upstream[data-column="amount"]')
    page.wait_for_selector("#asset[data-asset=silver_example]")
    page.wait_for_selector("tr#column-amount.selected")
    trace = page.locator("#trace-tree .trace-link").all_inner_texts()
    assert sorted(trace) == ["bronze_example.quantity", "bronze_example.unit_price"]
    assert "quarantined" in page.inner_text("#quarantine")
    assert set(page.locator("tr.check .status").all_inner_texts()) == {"passed"}
    shot(page, "silver_example")
    page.click('#trace-tree .trace-link[data-column="quantity"]')
    page.wait_for_selector("#asset[data-asset=bronze_example]")
    page.wait_for_selector("tr#column-quantity.selected")
    assert "comes from the source" in page.inner_text("#trace")
    shot(page, "bronze_example")

    # Everything came from the site's own files; no script failed.
    assert page.errors == []
    assert all(url.startswith(site.as_uri()) for url in page.requests), page.requests


def test_the_site_names_no_other_place_to_load_from(project):
    texts = [path.read_text() for path in (project / "catalog").rglob("*") if path.is_file()]
    assert texts
    assert not [text for text in texts if "http://" in text or "https://" in text]


def test_building_the_catalog_leaves_the_tables_as_they_were(project):
    before = json.loads((project.parent / "tables-before-docs.json").read_text())
    assert before
    assert table_files(project / "data") == before


def test_the_readme_catalog_commands_work_as_shown(project):
    """`make docs` ran in the fixture; `make docs-serve` builds again, then serves."""
    readme = (project / "README.md").read_text()
    assert section_commands(readme, "Catalog") == ["make docs", "make docs-serve"]
    # The user-path test runs the other commands as they are: a server there would never end.
    others = all_commands(project / "README.md", skip_sections=SECTIONS_TESTED_ON_THEIR_OWN)
    assert "make docs" in others
    assert "make docs-serve" not in others
    port = free_port()
    command = ["make", "--no-print-directory", "docs-serve", f"PYTHON={PYTHON}", f"PORT={port}"]
    server = subprocess.Popen(
        command,
        cwd=project,
        env=project_env(project),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        page = served(f"http://127.0.0.1:{port}/", server)
        assert "data catalog" in page
        script = served(f"http://127.0.0.1:{port}/catalog.js", server)
        assert "POLSTER_CATALOG" in script
    finally:
        os.killpg(server.pid, signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert f"Serving the catalog on http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output


def served(url: str, server: subprocess.Popen) -> str:
    deadline = time.monotonic() + SERVE_TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"make docs-serve did not serve {url} in time")
