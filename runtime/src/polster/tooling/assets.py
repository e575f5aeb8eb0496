"""What the asset commands do: plan each change (pure), check it, then apply it at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from polster.contract.errors import PolsterError
from polster.contract.layers import LAYERS, UPSTREAM_LAYER, layer_of, layer_rank, name_problem
from polster.contract.layout import core_module_path, tests_path, wrapper_path
from polster.contract.options import option
from polster.contract.partitions import CADENCES, parse_day, window_start
from polster.tooling import scaffold, source_templates
from polster.tooling.files import create_files, remove_files
from polster.tooling.lineage import update_readme
from polster.tooling.project import Project

CONFIRM_MANY = "CONFIRM"
CONFIRM_ALL = "REMOVE_ALL_ASSETS"
MANY_ASSETS = 3


@dataclass(frozen=True)
class NewAsset:
    """An asset to add, checked against every rule."""

    layer: str
    name: str
    upstreams: tuple[str, ...]
    description: str | None = None
    source: source_templates.SourceChoice | None = None  # --template and its options
    write_mode: str | None = None  # --write-mode: append or merge (default: overwrite)
    merge_key: tuple[str, ...] = ()  # --merge-key, with merge
    partitions: tuple[str, str] | None = None  # --partitions and --start: (cadence, start)

    @property
    def key(self) -> str:
        return f"{self.layer}_{self.name}"


def check_layer(layer: str) -> str:
    if layer not in LAYERS:
        msg = f"unknown layer '{layer}': choose {', '.join(LAYERS)}"
        raise PolsterError(msg)
    return layer


def check_new_name(project: Project, layer: str, name: str) -> str:
    problem = name_problem(name)
    if problem:
        msg = f"invalid asset name: {problem} (for example: clean_orders)"
        raise PolsterError(msg)
    key = f"{layer}_{name}"
    if key in project.assets:
        msg = f"{key} already exists: choose another name, or remove it first"
        raise PolsterError(msg)
    return name


def resolve_upstreams(project: Project, layer: str, references: Sequence[str]) -> tuple[str, ...]:
    """The upstream keys the references name, checked against the layer rules."""
    keys = [project.resolve(reference, layer) for reference in references]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        msg = f"{', '.join(repeated)} is listed more than once: list each dependency once"
        raise PolsterError(msg)
    allowed = UPSTREAM_LAYER[layer]
    if allowed is None:
        if keys:
            msg = "bronze assets ingest raw data and take no dependencies: drop --dependencies"
            raise PolsterError(msg)
        return ()
    choices = ", ".join(project.in_layer(allowed)) or f"none yet: add a {allowed} asset first"
    if not keys:
        msg = f"{layer} assets need at least one {allowed} dependency (available: {choices})"
        raise PolsterError(msg)
    wrong = [key for key in keys if layer_of(key) != allowed]
    if wrong:
        msg = (
            f"{layer} assets may depend only on {allowed} assets, not {', '.join(wrong)} "
            f"(available: {choices})"
        )
        raise PolsterError(msg)
    return tuple(keys)


def plan_new_asset(
    project: Project,
    layer: str,
    name: str,
    dependencies: Sequence[str],
    description: str | None = None,
    source: source_templates.SourceChoice | None = None,
    write_mode: str | None = None,
    merge_key: Sequence[str] = (),
    partitions: str | None = None,
    start: str | None = None,
    today: date | None = None,
) -> NewAsset:
    """Check a new asset against every rule; raise PolsterError on the first problem."""
    check_layer(layer)
    check_new_name(project, layer, name)
    upstreams = resolve_upstreams(project, layer, dependencies)
    check_write_mode(write_mode, merge_key, source)
    partitioning = check_partitions(partitions, start, write_mode, source, today or date.today())
    return NewAsset(
        layer, name, upstreams, description, source, write_mode, tuple(merge_key), partitioning
    )


def check_partitions(
    cadence: str | None,
    start: str | None,
    write_mode: str | None,
    source: source_templates.SourceChoice | None,
    today: date,
) -> tuple[str, str] | None:
    """--partitions and --start as PARTITIONS and PARTITIONS_START: (cadence, first day).
    Without --start, partitions start with the window that holds January 1 this year."""
    if cadence is None:
        if start is not None:
            msg = "--start goes with --partitions daily, weekly or monthly"
            raise PolsterError(msg)
        return None
    if cadence not in CADENCES:
        msg = f"--partitions {cadence}: choose {', '.join(CADENCES)}"
        raise PolsterError(msg)
    if write_mode == "append":
        msg = (
            "--partitions cannot go with --write-mode append: a partition's rows are replaced "
            "on every run; drop --write-mode, or use merge"
        )
        raise PolsterError(msg)
    if source is not None:
        msg = (
            "--partitions goes with the plain scaffold, not --template: landed files are "
            "taken once each by themselves; to read the file landed for each day, add the "
            "asset without --template and read that file in extract(partition) (the README's "
            "Incremental pipelines shows how); for an API or a database, likewise read the "
            "source for its `partition`"
        )
        raise PolsterError(msg)
    first = window_start(cadence, today.replace(month=1, day=1))
    if start is not None:
        first = parse_day(start, "--start")
        if window_start(cadence, first) != first:
            msg = (
                f"--start {start} does not start a {cadence} partition (weeks start on "
                f"Monday, months on the 1st): use {window_start(cadence, first).isoformat()}"
            )
            raise PolsterError(msg)
    return cadence, first.isoformat()


def check_write_mode(
    write_mode: str | None, merge_key: Sequence[str], source: source_templates.SourceChoice | None
) -> None:
    """--write-mode and --merge-key go together as WRITE_MODE and MERGE_KEY do."""
    # Here, not at the top: declaration imports Polars, which list-assets and graph need not.
    from polster.contract.declaration import WRITE_MODES

    if write_mode not in (None, *WRITE_MODES):
        msg = f"--write-mode {write_mode}: choose {', '.join(WRITE_MODES)}"
        raise PolsterError(msg)
    if write_mode == "merge" and not merge_key:
        msg = "--write-mode merge needs --merge-key, the columns that identify a row (e.g. id)"
        raise PolsterError(msg)
    if merge_key and write_mode != "merge":
        msg = "--merge-key goes with --write-mode merge"
        raise PolsterError(msg)
    if write_mode not in (None, "overwrite") and source is not None:
        msg = (
            "--write-mode goes with the plain scaffold, not --template: landed files are "
            "appended by themselves; for an API or a database, set WRITE_MODE in the module"
        )
        raise PolsterError(msg)


def add_asset(project: Project, asset: NewAsset) -> list[str]:
    """Write the asset's two files (both or neither); return their paths."""
    files: dict[Path, str | bytes] = {
        project.root / core_module_path(asset.key): scaffold.core_module_source(
            asset.layer,
            asset.name,
            asset.upstreams,
            asset.description,
            asset.write_mode,
            asset.merge_key,
            asset.partitions,
        ),
        project.root / wrapper_path(asset.key): scaffold.wrapper_source(asset.layer, asset.name),
    }
    if asset.source is not None:
        # A real source: its own core module, plus a generated test and its fixture.
        sourced = source_templates.source_files(asset.key, asset.name, asset.source)
        files.update({project.root / path: text for path, text in sourced.items()})
    create_files(files)
    if asset.source is not None and asset.source.template in source_templates.FILE_TEMPLATES:
        landing = source_templates.landing_folder(asset.source.source)
        if landing:
            (project.root / landing).mkdir(parents=True, exist_ok=True)
    graph = {**project.graph(), asset.key: list(asset.upstreams)}
    update_readme(project.root / "README.md", graph)
    return [str(path.relative_to(project.root)) for path in files]


def plan_removal(project: Project, references: Sequence[str], force: bool) -> list[str]:
    """The keys to remove, downstream first; refuses to orphan a dependent unless forced."""
    keys = list(dict.fromkeys(project.resolve(reference) for reference in references))
    downstream = sorted({d for key in keys for d in project.downstream(key)} - set(keys))
    if downstream and not force:
        details = "; ".join(
            f"{dependent} depends on {key}"
            for key in keys
            for dependent in project.dependents(key)
            if dependent not in keys
        )
        msg = (
            f"cannot remove {', '.join(keys)}: {details}. Remove those first, "
            f"or add {option('--force')} to remove them together"
        )
        raise PolsterError(msg)
    selected = set(keys) | set(downstream)
    return sorted(selected, key=lambda key: (-layer_rank(key), key))  # downstream first


def confirmation_word(project: Project, keys: Sequence[str]) -> str | None:
    """The word the user must type to remove these assets, if any."""
    if len(keys) == len(project.assets) and len(keys) > 1:
        return CONFIRM_ALL
    if len(keys) > MANY_ASSETS:
        return CONFIRM_MANY
    return None


def files_of(project: Project, keys: Sequence[str]) -> list[str]:
    """The existing files of these assets (logic, wrapper, own tests), relative to the root."""
    paths = [
        path for key in keys for path in (core_module_path(key), wrapper_path(key), tests_path(key))
    ]
    for key in keys:  # the sample data of a generated test goes with it
        fixtures = project.root / source_templates.fixtures_path(key)
        if fixtures.is_dir():
            paths += [path.relative_to(project.root) for path in sorted(fixtures.iterdir())]
    return [str(path) for path in paths if (project.root / path).exists()]


def remove_assets(project: Project, keys: Sequence[str]) -> list[str]:
    """Delete the assets' files (all or none) and refresh the README graph."""
    files = files_of(project, keys)
    remove_files([project.root / path for path in files], project.root)
    remaining = {key: ups for key, ups in project.graph().items() if key not in keys}
    update_readme(project.root / "README.md", remaining)
    return files
