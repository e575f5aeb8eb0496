"""What `polster add-asset` writes parses, is formatted as ruff wants, and imports only
the public API; the scaffolds' sample data reads as the generated tests expect."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polster.tooling import scaffold, scaffolds, source_templates

CHOICES = {
    "csv": source_templates.SourceChoice("csv", "landing/orders/*.csv"),
    "parquet": source_templates.SourceChoice("parquet", "landing/orders/*.parquet"),
    "json": source_templates.SourceChoice("json", "landing/orders/*.json"),
    "excel": source_templates.SourceChoice("excel", "landing/budget/*.xlsx", sheet="Q4"),
    "api": source_templates.SourceChoice("api", "https://api.example.com/orders"),
    "database": source_templates.SourceChoice(
        "database", "CRM_DATABASE_URL", query="select id, name, amount from customers"
    ),
}


def written_files(tmp_path: Path) -> list[Path]:
    """Every scaffold, for every layer, option and template, written under tmp_path."""
    sources = {
        "src/core/bronze_orders.py": scaffold.core_module_source("bronze", "orders", []),
        "src/core/bronze_visits.py": scaffold.core_module_source(
            "bronze", "visits", [], partitions=("daily", "2024-01-01")
        ),
        "src/core/silver_orders.py": scaffold.core_module_source(
            "silver", "orders", ["bronze_orders"], write_mode="merge", merge_key=["id"]
        ),
        "src/core/gold_revenue.py": scaffold.core_module_source(
            "gold", "revenue", ["silver_orders", "silver_customers"]
        ),
        "src/orchestration/assets/silver/run_silver_orders.py": scaffold.wrapper_source(
            "silver", "orders"
        ),
    }
    for template, choice in CHOICES.items():
        key = f"bronze_{template}"
        files = source_templates.source_files(key, template, choice)
        sources |= {str(path): content for path, content in files.items() if path.suffix == ".py"}
    paths = []
    for relative, content in sources.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        paths.append(path)
    return paths


def test_every_scaffold_parses_and_is_formatted_as_ruff_wants(tmp_path):
    paths = written_files(tmp_path)
    for path in paths:
        compile(path.read_text(), str(path), "exec")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\nselect = ["E", "W", "F", "I", "UP"]\n'
        '[tool.ruff.lint.isort]\nknown-first-party = ["core", "orchestration"]\n'
    )
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "."],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("template", ["csv", "json", "parquet", "excel"])
def test_the_sample_files_hold_the_rows_the_generated_tests_expect(template):
    ((name, data),) = source_templates.fixtures(template, template).items()
    readers = {
        "csv": lambda raw: pl.read_csv(raw, infer_schema=False),
        "json": pl.read_ndjson,
        "parquet": pl.read_parquet,
        "excel": lambda raw: pl.read_excel(raw, engine="calamine"),
    }
    frame = readers[template](io.BytesIO(data if isinstance(data, bytes) else data.encode()))
    assert frame["name"].to_list() == ["Smith, Ann", None, "Lee"]
    assert name == f"sample.{source_templates.EXTENSIONS[template]}"


def test_a_placeholder_left_unfilled_fails_loudly():
    with pytest.raises(KeyError):
        scaffolds.render("wrapper.py.tmpl", key="silver_orders")
