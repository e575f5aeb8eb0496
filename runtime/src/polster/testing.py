"""Polster's pytest plugin: the checks and fixtures a project's own tests are made of.

A project turns it on in `tests/conftest.py` with `pytest_plugins = ["polster.testing"]`,
which gives its tests two fixtures:

    store      an empty table store in the test's temporary folder (real Delta tables)
    pipeline   every asset materialized once by Dagster, in process, into a temporary
               store: (the store, the runs' results); assets that read a real source
               (a SOURCE in their module) are left to their own tests

and these checks, each failing with a message that names the asset or file to fix:

    assert_layer_rules()              the medallion layer rules hold for everything Dagster
                                      loads from the defs folder, hand edits included
    assert_assets_grouped_by_layer()  every asset is in the Dagster group of its layer
    assert_core_is_pure()             src/core imports neither Dagster nor orchestration,
                                      so every asset module runs on its own
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Collection
from pathlib import Path

import pytest

from polster.contract.layers import LAYERS, find_violations, split_key
from polster.core.paths import project_root
from polster.core.storage import TableStore

# What a project's src/core may not import: Dagster, its orchestration package, and the
# runtime's Dagster and command-line parts.
NOT_IN_CORE = ("dagster", "orchestration", "polster.orchestration", "polster.tooling")


def load_definitions():
    """The project's defs folder as Dagster loads it, before Polster checks the layer rules."""
    import dagster as dg

    return dg.load_from_defs_folder(path_within_project=project_root())


def assert_layer_rules() -> None:
    """Fail with every violation of the layer rules in what Dagster loads."""
    from polster.orchestration.definitions import dependency_graph

    violations = find_violations(dependency_graph(load_definitions()))
    assert not violations, "\n".join(str(violation) for violation in violations)


def assert_assets_grouped_by_layer() -> None:
    """Fail when an asset is not in the Dagster group named after its layer."""
    import dagster as dg

    for asset in load_definitions().assets or []:
        groups = (
            asset.group_names_by_key
            if isinstance(asset, dg.AssetsDefinition)
            else {asset.key: asset.group_name}
        )
        for key, group in groups.items():
            layer, _ = split_key(key.to_user_string())
            assert layer in LAYERS
            assert group == layer, f"{key.to_user_string()} is in group {group}, not {layer}"


def imported_modules(path: Path, type_checking: bool = True) -> dict[str, int]:
    """Every module a file imports (absolute imports), with the line of its first import;
    without those under `if TYPE_CHECKING:` (never imported at run time) unless asked."""
    found: dict[str, int] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = set() if type_checking else type_checking_imports(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            found.setdefault(name, node.lineno)
    return found


def type_checking_imports(tree: ast.AST) -> set[int]:
    """The ids of the nodes inside `if TYPE_CHECKING:` blocks of `tree`."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and ast.unparse(test).endswith("TYPE_CHECKING"):
            inside |= {id(child) for block in node.body for child in ast.walk(block)}
    return inside


def is_within(module: str, packages: Collection[str]) -> bool:
    """Whether `module` is one of `packages` or inside one of them (dagster_webserver,
    dagster_dg_cli...: all of Dagster counts as dagster)."""
    if "dagster" in packages and module.partition(".")[0].startswith("dagster"):
        return True
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def assert_core_is_pure() -> None:
    """Fail when a module of src/core imports Dagster or the orchestration side."""
    root = project_root()
    wrong = [
        f"{path.relative_to(root)}:{line} imports {module}"
        for path in sorted((root / "src" / "core").rglob("*.py"))
        for module, line in imported_modules(path).items()
        if is_within(module, NOT_IN_CORE)
    ]
    assert not wrong, (
        "src/core may not import Dagster or the orchestration side (keep Dagster in "
        "src/orchestration; a core module uses `polster`'s public names):\n" + "\n".join(wrong)
    )


def temporary_store(folder: Path) -> TableStore:
    """An empty table store in `folder`, its locks and write journal too (the tests of a
    project never touch the project's own data/)."""
    return TableStore(root=str(folder / "data"))


@pytest.fixture
def store(tmp_path: Path) -> TableStore:
    """An empty table store in this test's temporary folder."""
    return temporary_store(tmp_path)


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    """Every asset materialized once by Dagster, in process: (its store, the runs' results)."""
    import dagster as dg

    # Imported here, so that broken layer rules fail these tests, not the whole collection.
    from polster.orchestration.definitions import build_definitions
    from polster.orchestration.partitions import partitionings
    from polster.orchestration.run_plan import plan_runs

    store = temporary_store(tmp_path_factory.mktemp("pipeline"))
    definitions = build_definitions(store)
    graph = definitions.resolve_asset_graph()
    # Assets that read a real source (a SOURCE in their core module: files, an API, a
    # database) are tested on their fixtures in tests/assets/; here runs everything else.
    sourced = [key for key in graph.get_all_asset_keys() if _reads_a_source(key)]
    selected = (dg.AssetSelection.all() - dg.AssetSelection.assets(*sourced).downstream()).resolve(
        graph
    )
    if not selected:
        pytest.skip("the project has no assets that run without a real source")
    job = definitions.resolve_implicit_global_asset_job_def()
    # Partitioned assets write their newest complete partition, as `make run` does.
    keys = [key.to_user_string() for key in selected]
    results = []
    for planned in plan_runs(keys, keys, partitionings(definitions)):
        tags = {}
        if planned.partitions is not None:
            first, last = (day.isoformat() for day in planned.partitions)
            tags = {
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
            }
        assets = [dg.AssetKey(key) for key in planned.assets]
        result = job.execute_in_process(asset_selection=assets, tags=tags)
        assert result.success
        results.append(result)
    return store, results


def _reads_a_source(key) -> bool:
    return hasattr(importlib.import_module(f"core.{key.to_user_string()}"), "SOURCE")
