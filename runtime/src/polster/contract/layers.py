"""The medallion architecture's rules: layers, asset names and allowed dependencies.

Pure functions over plain data, shared by the Dagster definitions (checked at
load time), the generated layer-rule test and the `polster` commands.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import get_close_matches

from polster.contract.errors import PolsterError

LAYERS = ("bronze", "silver", "gold")
UPSTREAM_LAYER = {"bronze": None, "silver": "bronze", "gold": "silver"}
COMPUTE_FUNCTION = {"bronze": "extract", "silver": "transform", "gold": "aggregate"}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# `silver_orders__rejected` holds the rows silver_orders quarantined (polster.contract.quality).
REJECTED_SUFFIX = "__rejected"
MAX_NAME_LENGTH = 48


class LayerRuleError(PolsterError, ValueError):
    """The asset graph breaks one or more medallion rules."""


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (an asset key, or a file), what is wrong and how to fix it."""

    where: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}. Fix: {self.fix}."


def name_problem(name: str) -> str | None:
    """Why `name` cannot be an asset name, or None when it can."""
    if not name:
        return "the name is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"the name is longer than {MAX_NAME_LENGTH} characters"
    if not NAME_PATTERN.match(name):
        return (
            f"'{name}' must start with a lowercase letter and contain only "
            "lowercase letters, digits and '_'"
        )
    if keyword.iskeyword(name):
        return f"'{name}' is a Python keyword"
    if name.endswith(REJECTED_SUFFIX):
        return f"names ending in '{REJECTED_SUFFIX}' are kept for the tables of rejected rows"
    return None


def split_key(key: str) -> tuple[str, str]:
    """Split an asset key such as "silver_clean_orders" into ("silver", "clean_orders")."""
    layer, _, name = key.partition("_")
    if layer not in LAYERS or not name:
        msg = (
            f"'{key}' is not a medallion asset key: it must be <layer>_<name>, "
            f"with the layer one of {', '.join(LAYERS)}"
        )
        raise ValueError(msg)
    return layer, name


def layer_of(key: str) -> str | None:
    """The layer an asset key belongs to, or None for a key outside the polster.contract."""
    try:
        return split_key(key)[0]
    except ValueError:
        return None


def layer_rank(key: str) -> int:
    """Position of a key's layer in LAYERS (keys outside the medallion come last)."""
    layer = layer_of(key)
    return LAYERS.index(layer) if layer else len(LAYERS)


def by_layer(keys: Iterable[str]) -> list[str]:
    """Asset keys in pipeline order: bronze first, then silver, then gold, each by name."""
    return sorted(keys, key=lambda key: (layer_rank(key), key))


def find_violations(
    graph: Mapping[str, Iterable[str]], files: Mapping[str, str] | None = None
) -> list[Violation]:
    """Every broken rule in a graph mapping each asset key to its upstream keys; `files`:
    where assets were defined (`src/orchestration/assets/bronze/x.py:4`), when known."""
    upstreams = {key: sorted(set(deps)) for key, deps in graph.items()}
    violations: list[Violation] = []
    for key, deps in sorted(upstreams.items()):
        violations.extend(_key_violations(key, (files or {}).get(key)))
        layer = layer_of(key)
        if layer is None:
            continue
        violations.extend(_dependency_violations(key, layer, deps, upstreams))
    cycle = find_cycle(upstreams)
    if cycle:
        violations.append(
            Violation(
                where=cycle[0],
                problem=f"dependencies form a cycle: {' -> '.join(cycle)}",
                fix="remove one of these dependencies",
            )
        )
    return violations


def _key_violations(key: str, file: str | None = None) -> list[Violation]:
    layer = layer_of(key)
    if layer is None:
        return [key_without_layer(key, file)]
    problem = name_problem(split_key(key)[1])
    if problem:
        return [Violation(key, problem, "rename the asset and its two files")]
    return []


def key_without_layer(key: str, file: str | None = None) -> Violation:
    """An asset whose key has no layer, e.g. one `dg scaffold defs` wrote, and the file it
    is in when known (`src/orchestration/assets/bronze/x.py:4`)."""
    problem = f"the key does not start with a layer ({', '.join(LAYERS)})"
    return Violation(key, f"{problem}, in {file}" if file else problem, layer_fix(key, file))


def layer_fix(key: str, file: str | None = None) -> str:
    """How to give `key` a layer: the one its file's folder names (`assets/bronze/x.py`
    -> bronze_<key>), else an example."""
    folders = file.split("/")[:-1] if file else []
    folder = next((part for part in reversed(folders) if part in LAYERS), None)
    if folder:
        return f"rename it to {folder}_{key}, the layer of its folder"
    where = ", in its layer's folder" if file else ""
    return f"rename it to <layer>_<name>, for example silver_{key}{where}"


def _dependency_violations(
    key: str, layer: str, deps: list[str], graph: Mapping[str, object]
) -> list[Violation]:
    allowed = UPSTREAM_LAYER[layer]
    where = f"the parameters of {COMPUTE_FUNCTION[layer]}() in src/core/{key}.py"
    if allowed is None:
        if deps:
            return [
                Violation(
                    key,
                    "bronze assets ingest raw data and take no upstream, "
                    f"but it depends on {', '.join(deps)}",
                    f"remove the parameters of extract() in src/core/{key}.py",
                )
            ]
        return []
    if not deps:
        return [
            Violation(
                key,
                f"{layer} assets need at least one {allowed} upstream, but it has none",
                f"add a {allowed} asset key as a parameter to {where}",
            )
        ]
    violations = []
    for dep in deps:
        if dep not in graph:
            near = nearest_key(dep, (other for other in graph if layer_of(other) == allowed))
            violations.append(
                Violation(
                    key,
                    f"its upstream {dep} does not exist" + did_you_mean(near),
                    f"create {dep} or remove it from {where}",
                )
            )
        elif layer_of(dep) != allowed:
            violations.append(
                Violation(
                    key,
                    f"{layer} assets may depend only on {allowed} assets, but it depends on {dep}",
                    f"depend on a {allowed} asset instead, in {where}",
                )
            )
    return violations


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One dependency cycle as a path that ends where it starts, or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(key: str) -> list[str] | None:
        if key in visiting:
            return [*visiting[visiting.index(key) :], key]
        if key in done or key not in graph:
            return None
        visiting.append(key)
        for dep in sorted(graph[key]):
            cycle = visit(dep)
            if cycle:
                return cycle
        visiting.pop()
        done.add(key)
        return None

    for key in sorted(graph):
        cycle = visit(key)
        if cycle:
            return cycle
    return None


def check_graph(graph: Mapping[str, Iterable[str]], files: Mapping[str, str] | None = None) -> None:
    """Raise LayerRuleError listing every broken rule, if any (see find_violations)."""
    violations = find_violations(graph, files)
    if violations:
        lines = "\n".join(f"  - {violation}" for violation in violations)
        count = len(violations)
        msg = f"The pipeline breaks the medallion layer rules ({count} problem(s)):\n{lines}"
        raise LayerRuleError(msg)


# The compute function's keyword parameter that receives the partition being written.
PARTITION_PARAMETER = "partition"


def upstreams_of_parameters(parameters: Iterable[str]) -> list[str]:
    """The one rule for upstreams: a compute function's parameter names, in order, but
    `partition`, which is the partition being written, not an asset. (Used on imported
    functions here, and on parsed modules by the tooling, which imports no user code.)"""
    return [name for name in parameters if name != PARTITION_PARAMETER]


def upstream_key(layer: str, name: str) -> str | None:
    """The key a bare name among the dependencies of a `layer` asset stands for: the asset
    of that name in the one layer it may depend on (None for bronze, which depends on none)."""
    allowed = UPSTREAM_LAYER[layer]
    return f"{allowed}_{name}" if allowed else None


def nearest_key(reference: str, keys: Iterable[str]) -> str | None:
    """The one of `keys` that a misspelt `reference` (a key or a bare name) most likely
    meant, or None when none is close."""
    candidates: dict[str, str] = {}
    for key in keys:
        candidates[key] = key
        if layer_of(key):
            candidates.setdefault(split_key(key)[1], key)
    nearest = get_close_matches(reference, candidates, n=1)
    return candidates[nearest[0]] if nearest else None


def did_you_mean(key: str | None) -> str:
    """` (did you mean KEY?)`, or nothing without a suggestion."""
    return f" (did you mean {key}?)" if key else ""
