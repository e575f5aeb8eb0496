"""What projects import from Polster is its public API, and every name of it is there.

The scaffolds `polster add-asset` writes, the examples, the generated tests and the
README and AGENTS code import only from `polster`, `polster.orchestration` and
`polster.testing`; each name they import exists there.
"""

from __future__ import annotations

import importlib
import re

import pytest
from polster.tooling import scaffold, source_templates

from tests.conftest import REPO

PUBLIC_MODULES = ("polster", "polster.orchestration", "polster.testing")
CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
POLSTER_FROM = re.compile(r"^[ #]*from (polster[\w.]*) import (\([^)]*\)|[^\n]*)$", re.MULTILINE)
POLSTER_IMPORT = re.compile(r"^[ #]*import (polster[\w.]*)", re.MULTILINE)


def scaffolds() -> dict[str, str]:
    """The sources `polster add-asset` writes, for every layer, template and option."""
    sources = {
        "plain bronze": scaffold.core_module_source("bronze", "orders", []),
        "partitioned bronze": scaffold.core_module_source(
            "bronze", "visits", [], partitions=("daily", "2024-01-01")
        ),
        "merged silver": scaffold.core_module_source(
            "silver", "orders", ["bronze_orders"], write_mode="merge", merge_key=["id"]
        ),
        "gold": scaffold.core_module_source("gold", "revenue", ["silver_orders"]),
        "wrapper": scaffold.wrapper_source("silver", "orders"),
    }
    choices = {
        "csv": source_templates.SourceChoice("csv", "landing/orders/*.csv"),
        "excel": source_templates.SourceChoice("excel", "landing/budget/*.xlsx", sheet="Q4"),
        "api": source_templates.SourceChoice("api", "https://api.example.com/orders"),
        "database": source_templates.SourceChoice("database", "CRM_DATABASE_URL"),
    }
    for template, choice in choices.items():
        for path, content in source_templates.source_files("bronze_x", "x", choice).items():
            if path.suffix == ".py":
                sources[f"{template}: {path}"] = str(content)
    return sources


def shipped_files() -> dict[str, str]:
    """The template's Python files and the Python blocks of its README and AGENTS."""
    files = {
        str(path.relative_to(REPO)): path.read_text()
        for path in (REPO / "template").rglob("*")
        if path.is_file() and ".py" in path.name
    }
    for name in ("README.md.jinja", "AGENTS.md.jinja"):
        text = (REPO / "template" / name).read_text()
        for number, block in enumerate(CODE_BLOCK.findall(text)):
            files[f"{name} block {number}"] = block
    return files


def polster_imports(source: str) -> list[tuple[str, str]]:
    """(module, name) for every `from polster... import name` (commented out ones too:
    scaffolds suggest imports in comments) and `import polster...` in the source."""
    found = []
    for module, names in POLSTER_FROM.findall(source):
        listed = names.strip("()").replace("\n", " ").replace("#", " ").split(",")
        found += [(module, name.split(" as ")[0].strip()) for name in listed if name.strip()]
    found += [(module, "") for module in POLSTER_IMPORT.findall(source)]
    return found


SOURCES = {**scaffolds(), **shipped_files()}


@pytest.mark.parametrize("where", sorted(SOURCES))
def test_projects_import_only_the_public_api(where):
    for module, name in polster_imports(SOURCES[where]):
        assert module in PUBLIC_MODULES, f"{where} imports the private module {module}"
        if name:
            assert hasattr(importlib.import_module(module), name), f"{module} has no {name}"


def test_every_public_name_can_be_imported():
    for module_name in ("polster", "polster.orchestration"):
        module = importlib.import_module(module_name)
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module_name}.{name}"


def test_the_scaffolds_and_examples_use_the_public_api():
    """Not vacuous: the sources above do import from Polster."""
    imports = [pair for source in scaffolds().values() for pair in polster_imports(source)]
    assert ("polster", "main") in imports
    assert ("polster.orchestration", "medallion_asset") in imports
    assert ("polster", "Landing") in imports
    shipped = [pair for source in shipped_files().values() for pair in polster_imports(source)]
    assert ("polster", "quarantine") in shipped
    assert ("polster.testing", "assert_layer_rules") in shipped
