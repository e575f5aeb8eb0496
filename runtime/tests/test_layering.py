"""The runtime's packages import one way: contract -> core -> orchestration -> tooling.

    polster.contract       layers, keys, rules, CHECKS and SCHEMA (imports nothing of ours)
    polster.core           settings, storage, sources (no Dagster)
    polster.orchestration  Dagster: definitions, asset factory, IO manager, checks, runner
    polster.tooling        the `polster` command

A module may import its own package and those before it, never one after it, so that a
project's asset modules run without Dagster and the contract stays the ground everyone
shares. (Imports inside functions count too: a late import is still a dependency.)
"""

from pathlib import Path

import pytest
from polster.testing import imported_modules, is_within

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "polster"
ORDER = ("contract", "core", "orchestration", "tooling")
PURE = ("contract", "core")  # no Dagster


def forbidden(package: str) -> set[str]:
    later = {f"polster.{name}" for name in ORDER[ORDER.index(package) + 1 :]}
    return later | ({"dagster"} if package in PURE else set())


@pytest.mark.parametrize("package", ORDER)
def test_imports_run_one_way(package):
    names = forbidden(package)
    wrong = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module}"
        for path in sorted((PACKAGE / package).rglob("*.py"))
        for module, line in imported_modules(path).items()
        if is_within(module, names)
    ]
    assert not wrong, (
        f"polster.{package} may not import {', '.join(sorted(names))} "
        "(move the code to the layer it belongs to):\n" + "\n".join(wrong)
    )


def test_every_package_is_checked():
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert packages == set(ORDER), f"add {sorted(packages - set(ORDER))} to ORDER in this test"


def test_the_public_api_imports_no_dagster():
    import subprocess
    import sys

    code = "import sys, polster; polster.__all__; [getattr(polster, n) for n in polster.__all__]"
    code += "; print(sorted(m for m in sys.modules if m.startswith('dagster')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# The public façades import their modules lazily (PEP 562), never at import time.
LAZY_FACADES = {"polster", "polster.orchestration"}


def import_graph() -> dict[str, set[str]]:
    """Each runtime module with the runtime modules it imports at run time, function-local
    ones too (a type annotation's import under `if TYPE_CHECKING:` is not one)."""
    modules = {
        module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if module_name(path) not in LAZY_FACADES
    }
    graph = {}
    for name, path in modules.items():
        imported = set()
        for module in imported_modules(path, type_checking=False):
            # `from polster.core import storage` names a module too.
            imported |= {candidate for candidate in modules if candidate == module}
        graph[name] = imported - {name}
    return graph


def test_no_import_cycles_not_even_through_function_local_imports():
    graph = import_graph()
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        for imported in sorted(graph[module]):
            if imported in path:
                cycles.append(" -> ".join([*path[path.index(imported) :], imported]))
            elif len(path) < 12:
                visit(imported, [*path, imported])

    for module in sorted(graph):
        visit(module, [module])
    assert not cycles, "import cycles:\n" + "\n".join(sorted(set(cycles))[:10])
