"""The packages of the project import one way: contract -> core -> orchestration -> tooling.

    medallion      the contract: layers, keys, rules, CHECKS and SCHEMA (imports nothing of ours)
    core           settings, storage and the asset logic (no Dagster)
    orchestration  Dagster: definitions, asset factory, IO manager, checks, runner
    polster        the command-line tooling

A module may import its own package and those before it, never one after it, so that
every core module runs without Dagster and the contract stays the ground everyone shares.
"""

import ast
from pathlib import Path

import pytest

from core.paths import PROJECT_ROOT

ORDER = ("medallion", "core", "orchestration", "polster")
FORBIDDEN = {
    package: {*ORDER[index + 1 :], *({"dagster"} if index < ORDER.index("orchestration") else ())}
    for index, package in enumerate(ORDER)
}


def imported_packages(path: Path) -> dict[str, int]:
    """The top-level package of every import in a file, with the line of its first import."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.partition(".")[0]
            # dagster_webserver, dagster_dg_cli...: all of Dagster counts as dagster.
            found.setdefault("dagster" if top.startswith("dagster") else top, node.lineno)
    return found


def modules_of(package: str) -> list[Path]:
    return sorted((PROJECT_ROOT / "src" / package).rglob("*.py"))


@pytest.mark.parametrize("package", ORDER)
def test_imports_run_one_way(package):
    wrong = [
        f"{path.relative_to(PROJECT_ROOT)}:{line} imports {name}"
        for path in modules_of(package)
        for name, line in imported_packages(path).items()
        if name in FORBIDDEN[package]
    ]
    assert not wrong, (
        f"src/{package} may not import {', '.join(sorted(FORBIDDEN[package]))} "
        "(move the code to the layer it belongs to):\n" + "\n".join(wrong)
    )


def test_every_package_is_checked():
    packages = {path.parent.name for path in (PROJECT_ROOT / "src").glob("*/__init__.py")}
    assert packages <= set(ORDER), f"add {sorted(packages - set(ORDER))} to ORDER in this test"
