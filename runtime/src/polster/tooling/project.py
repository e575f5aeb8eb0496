"""The project's assets as its files declare them, read without importing any of them."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from polster.contract.errors import PolsterError
from polster.contract.layers import (
    COMPUTE_FUNCTION,
    LAYERS,
    by_layer,
    layer_of,
    nearest_key,
    split_key,
    upstream_key,
    upstreams_of_parameters,
)
from polster.contract.layout import (
    ASSETS_DIR,
    CORE_DIR,
    core_module_path,
    key_of_wrapper,
    wrapper_pattern,
)


@dataclass(frozen=True)
class Asset:
    """One asset: its key, its declared upstreams and which of its two files exist."""

    key: str
    upstreams: tuple[str, ...]
    has_core_module: bool
    has_wrapper: bool

    @property
    def layer(self) -> str:
        return split_key(self.key)[0]

    @property
    def name(self) -> str:
        return split_key(self.key)[1]


@dataclass(frozen=True)
class Project:
    """All assets of the project rooted at `root`, keyed by asset key."""

    root: Path
    assets: dict[str, Asset]

    def graph(self) -> dict[str, list[str]]:
        """Each asset key with its upstream keys."""
        return {key: list(asset.upstreams) for key, asset in self.assets.items()}

    def in_layer(self, layer: str) -> list[str]:
        return [key for key, asset in self.assets.items() if asset.layer == layer]

    def dependents(self, key: str) -> list[str]:
        """The assets that declare `key` as an upstream."""
        return sorted(other for other, asset in self.assets.items() if key in asset.upstreams)

    def downstream(self, key: str) -> list[str]:
        """Every asset that depends on `key`, directly or not."""
        found: list[str] = []
        pending = self.dependents(key)
        while pending:
            current = pending.pop(0)
            if current not in found:
                found.append(current)
                pending.extend(self.dependents(current))
        return sorted(found)

    def resolve(self, reference: str, layer: str | None = None) -> str:
        """The asset key `reference` names: a full key, or a bare name unique in the project;
        among the dependencies of a `layer` asset, a bare name is that of an asset in the
        layer it may depend on (gold's `orders` is silver_orders, not bronze_orders)."""
        if reference in self.assets:
            return reference
        upstream = upstream_key(layer, reference) if layer in LAYERS else None
        if upstream in self.assets:
            return upstream
        matches = sorted(key for key, asset in self.assets.items() if asset.name == reference)
        if len(matches) > 1:
            msg = f"'{reference}' matches {' and '.join(matches)}: use the full asset key"
            raise PolsterError(msg)
        if not matches:
            known = ", ".join(self.assets) or "none yet"
            near = nearest_key(reference, self.assets)
            hint = f"did you mean {near}? " if near else ""
            msg = f"there is no asset '{reference}' ({hint}known assets: {known})"
            raise PolsterError(msg)
        return matches[0]


def load_project(root: Path) -> Project:
    """Read every asset of the project at `root` from its core modules and wrappers."""
    core_keys = {path.stem for layer in LAYERS for path in (root / CORE_DIR).glob(f"{layer}_*.py")}
    wrapper_keys = {
        key_of_wrapper(path)
        for layer in LAYERS
        for path in (root / ASSETS_DIR / layer).glob(wrapper_pattern(layer))
    }
    assets = {
        key: Asset(
            key=key,
            upstreams=tuple(declared_upstreams(root / core_module_path(key)) or ()),
            has_core_module=key in core_keys,
            has_wrapper=key in wrapper_keys,
        )
        for key in by_layer(core_keys | wrapper_keys)
    }
    return Project(root=root, assets=assets)


def declared_upstreams(core_module: Path) -> list[str] | None:
    """The upstream keys the module's compute function declares (its parameter names but
    `partition`), or None when it has none."""
    if not core_module.is_file():
        return None
    try:
        function = compute_function(core_module)
    except SyntaxError:
        return None  # `polster validate` reports it
    if function is None:
        return None
    arguments = function.args
    parameters = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
    return upstreams_of_parameters(arg.arg for arg in parameters)


def compute_function(core_module: Path) -> ast.FunctionDef | None:
    """The top-level extract/transform/aggregate function of a core module, if defined.

    Raises SyntaxError when the module does not parse.
    """
    layer = layer_of(core_module.stem)
    if layer is None:
        return None
    tree = ast.parse(core_module.read_text(encoding="utf-8"), filename=str(core_module))
    return next(
        (
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.name == COMPUTE_FUNCTION[layer]
        ),
        None,
    )
