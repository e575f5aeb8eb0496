"""Everything the catalog shows, read from the project: its modules, its tables (read, never
written) and its run reports. Whatever cannot be read becomes one line on its asset's page.

Reads only: Delta logs (`TableStore.latest_commit`, `history`, `partitions`), the current
version's data for the schema and the profile (`TableStore.read` of an asset's own table,
which repairs nothing; a `__rejected` table is only counted, from its log), and the
`reports/<run id>/summary.json` files runs leave (the checks' latest results).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl
from polars.exceptions import PanicException

import polster.tooling.catalog.model as model
from polster.contract.declaration import (
    declared_checks,
    declared_columns,
    declared_write_mode,
    partitioning_of,
    undescribed_columns,
)
from polster.contract.errors import PolsterError
from polster.contract.layers import COMPUTE_FUNCTION, UPSTREAM_LAYER, split_key
from polster.contract.layout import wrapper_path
from polster.contract.quality import rejected_key
from polster.core.lineage import ColumnLineage, LineageWarning, lineage_of
from polster.core.storage import TableStore, is_maintenance
from polster.tooling.catalog.profile import profile
from polster.tooling.project import Project

HISTORY_LIMIT = 10  # the commits shown per table
PROFILE_ROWS = 1_000_000  # rows profiled per table at most (the first ones)
PROFILE_BUDGET_SECONDS = 120.0  # past this, the remaining tables are not profiled
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# What reading a module, a table or a plan may raise: a Polars panic is a BaseException.
FAILURES = (Exception, PanicException)


def one_line(error: BaseException) -> str:
    """An error as one line: its message's first line (named by its type when it is not
    one of Polster's own, whose messages say what to do)."""
    text = (str(error).strip().splitlines() or [""])[0]
    return text if isinstance(error, PolsterError) else f"{type(error).__name__}: {text}"


def collect(
    project: Project,
    store: TableStore,
    project_name: str,
    profile_rows: int = PROFILE_ROWS,
    budget_seconds: float = PROFILE_BUDGET_SECONDS,
) -> model.Catalog:
    """The catalog of every asset of `project`, its tables read through `store`."""
    started = time.monotonic()
    results = latest_check_results(project.root / "reports")
    assets = {}
    schemas: dict[str, pl.Schema | None] = {}
    for key in project.assets:
        left = budget_seconds - (time.monotonic() - started)
        assets[key] = collect_asset(project, store, key, results, schemas, profile_rows, left)
    return model.Catalog(
        project=project_name,
        environment=store.environment,
        generated_at=datetime.now().strftime(TIME_FORMAT),
        assets=assets,
        profile_rows=profile_rows,
    )


def collect_asset(
    project: Project,
    store: TableStore,
    key: str,
    results: Mapping[str, dict[str, Any]],
    schemas: dict[str, pl.Schema | None],
    profile_rows: int,
    seconds_left: float,
) -> model.Asset:
    layer, _ = split_key(key)
    notes: list[str] = []
    module = compute = None
    try:
        module = importlib.import_module(f"core.{key}")
        compute = getattr(module, COMPUTE_FUNCTION[layer], None)
        if compute is None:
            notes.append(f"src/core/{key}.py has no {COMPUTE_FUNCTION[layer]}() function")
    except FAILURES as error:  # the user's code: say why, keep building
        notes.append(f"src/core/{key}.py could not be imported: {one_line(error)}")
    asset = model.Asset(
        key=key,
        layer=layer,
        description=(inspect.getdoc(compute) or "") if compute else "",
        owners=declared_owners(project.root / wrapper_path(key)),
        upstreams=project.assets[key].upstreams,
        downstreams=tuple(project.dependents(key)),
    )
    table = read_table(store, key, profile_rows if seconds_left > 0 else 0)
    if profile_rows and seconds_left <= 0 and table.get("freshness"):
        notes.append("not profiled: the time budget of this build was spent on other tables")
    notes += table.pop("notes")
    schemas[key] = table.pop("schema")
    declared, described, declared_schema = declared_in(module, compute, store, key, results)
    notes += declared.pop("notes")
    lineage, lineage_note = column_lineage(compute, key, project, schemas)
    if lineage_note:
        notes.append(lineage_note)
    columns, column_notes = columns_of(
        key, schemas[key], declared_schema, described, lineage, table.get("profile")
    )
    notes += column_notes
    return replace(asset, **table, **declared, columns=columns, notes=tuple(notes))


def declared_in(
    module: ModuleType | None,
    compute: Callable[..., object] | None,
    store: TableStore,
    key: str,
    results: Mapping[str, dict[str, Any]],
) -> tuple[dict[str, Any], dict[str, str], Mapping[str, Any] | None]:
    """What the core module declares: its partitions, write mode and CHECKS (with their
    latest results) as Asset fields, its COLUMNS, its SCHEMA; one line for each declaration
    Polster cannot use."""
    found: dict[str, Any] = {"notes": []}
    if module is None:
        return found, {}, None
    readers = {
        "partitions": lambda: partitions_text(compute, store, key),
        "write_mode": lambda: write_mode_text(module, key),
        "checks": lambda: check_results(
            declared_checks(module, key), split_key(key)[0], results.get(key)
        ),
        "described": lambda: declared_columns(module, key),
    }
    for name, read in readers.items():
        try:
            found[name] = read()
        except FAILURES as error:
            found["notes"].append(one_line(error))
    described = found.pop("described", {})
    return found, described, getattr(module, "SCHEMA", None)


def read_table(store: TableStore, key: str, profile_rows: int) -> dict[str, Any]:
    """What the table of `key` says (freshness, history, schema, profile, quarantine), and
    one line for what could not be read."""
    found: dict[str, Any] = {"notes": [], "schema": None}
    try:
        commit = store.latest_commit(key)
    except FAILURES as error:
        found["unreadable"] = one_line(error)
        return found
    if commit is None:
        return found
    try:
        commits = store.history(key, HISTORY_LIMIT)
        found["history"] = tuple(version_of(entry) for entry in commits)
        written = next((entry for entry in commits if not is_maintenance(entry)), commits[0])
        found["freshness"] = model.Freshness(
            version=commit.version,
            written_at=local_time(written["timestamp"]),
            run_id=written.get("dagster_run_id") or written.get("polster_run") or "-",
            environment=written.get("polster_env") or store.environment,
            rows=commit.rows,
        )
        frame = store.read(key)
        found["schema"] = frame.collect_schema()
        if profile_rows:
            found["profile"] = profile(frame, commit.version, commit.rows, profile_rows)
    except FAILURES as error:
        found["unreadable"] = one_line(error)
    try:
        if store.exists(rejected_key(key)):
            rejected = store.latest_commit(rejected_key(key))
            found["quarantined"] = rejected.rows if rejected else 0
    except FAILURES as error:
        found["notes"].append(f"{rejected_key(key)}: {one_line(error)}")
    return found


def version_of(commit: Mapping[str, Any]) -> model.Version:
    if "polster_maintenance" in commit:
        by = f"polster {commit['polster_maintenance']}"
    elif "polster_restored_version" in commit:
        by = f"restore of version {commit['polster_restored_version']}"
    else:
        by = commit.get("dagster_run_id") or commit.get("polster_run") or "-"
    rows = commit.get("polster_rows")
    return model.Version(
        version=commit["version"],
        written_at=local_time(commit["timestamp"]),
        operation=str(commit.get("operation", "-")),
        written_by=str(by),
        rows=int(rows) if rows is not None else None,
        partition=commit.get("polster_partition"),
    )


def local_time(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000).strftime(TIME_FORMAT)


def partitions_text(
    compute: Callable[..., object] | None, store: TableStore, key: str
) -> str | None:
    if compute is None:
        return None
    partitioning = partitioning_of(compute)
    if partitioning is None:
        return None
    written = sorted(store.partitions(key))
    text = partitioning.describe()
    if not written:
        return f"{text}; none written yet"
    return f"{text}; {len(written)} written ({written[0]} to {written[-1]})"


def write_mode_text(module: ModuleType, key: str) -> str:
    mode = declared_write_mode(module, key)
    return f"merge by {', '.join(mode.merge_key)}" if mode.merge_key else mode.mode


def declared_owners(wrapper: Path) -> tuple[str, ...]:
    """The `owners=[...]` its Dagster wrapper gives medallion_asset(), read without importing
    it (Dagster's own notion of an owner: an e-mail address or `team:name`)."""
    try:
        tree = ast.parse(wrapper.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return ()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name != "medallion_asset":
            continue
        for keyword in node.keywords:
            if keyword.arg == "owners":
                try:
                    owners = ast.literal_eval(keyword.value)
                except ValueError:
                    return ()
                return tuple(str(owner) for owner in owners)
    return ()


def latest_check_results(reports: Path) -> dict[str, dict[str, Any]]:
    """For each asset, its entry in the newest run summary that ran it (reports/<run id>/
    summary.json, the newest by modification time), with that run's id."""
    found: dict[str, dict[str, Any]] = {}
    summaries = sorted(reports.glob("*/summary.json"), key=lambda path: -path.stat().st_mtime)
    for path in summaries:
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for entry in summary.get("assets", []):
            name = entry.get("asset")
            if name in found or entry.get("status") == "not run":
                continue
            if entry.get("checks_passed") or entry.get("checks_failed"):
                found[name] = {**entry, "run_id": summary.get("run_id")}
    return found


def check_results(
    checks: list[Any], layer: str, result: Mapping[str, Any] | None
) -> tuple[model.CheckResult, ...]:
    """Each declared check with its latest result (or `not run`)."""
    passed = set((result or {}).get("checks_passed", []))
    failed = {entry["check"]: entry for entry in (result or {}).get("checks_failed", [])}
    run_id = (result or {}).get("run_id")
    shown = []
    for check in checks:
        status, detail = "not run", ""
        if check.name in passed:
            status = "passed"
        elif check.name in failed:
            status, detail = "failed", failed[check.name].get("description", "")
        shown.append(
            model.CheckResult(
                name=check.name,
                description=check.description,
                blocking=check.blocks(layer),
                status=status,
                run_id=run_id if status != "not run" else None,
                detail=detail,
            )
        )
    return tuple(shown)


def upstream_schema(key: str, schemas: Mapping[str, pl.Schema | None]) -> pl.Schema | None:
    """An upstream's columns: its table's, else its SCHEMA's, else None."""
    if schemas.get(key) is not None:
        return schemas[key]
    try:
        declared = getattr(importlib.import_module(f"core.{key}"), "SCHEMA", None)
        return pl.Schema(declared) if declared else None
    except FAILURES:
        return None


def column_lineage(
    compute: Callable[..., object] | None,
    key: str,
    project: Project,
    schemas: Mapping[str, pl.Schema | None],
) -> tuple[ColumnLineage | None, str | None]:
    """The value lineage of `key`'s columns from its compute function's plan; None and why
    not when it cannot be read (a bronze asset has none: its columns come from a source)."""
    if compute is None or UPSTREAM_LAYER[split_key(key)[0]] is None:
        return None, None
    upstreams = {up: upstream_schema(up, schemas) for up in project.assets[key].upstreams}
    missing = [up for up, schema in upstreams.items() if schema is None]
    if missing:
        return None, (
            f"column lineage unknown: {', '.join(missing)} has no table yet (and no SCHEMA)"
        )
    try:
        with warnings.catch_warnings():  # said once, on the page, by its note
            warnings.simplefilter("ignore", LineageWarning)
            lineage = lineage_of(compute, upstreams)
    except FAILURES as error:
        return None, f"column lineage could not be read: {one_line(error)}"
    return lineage, (f"column lineage unknown: {lineage.note}" if lineage.note else None)


def columns_of(
    key: str,
    schema: pl.Schema | None,
    declared_schema: Mapping[str, Any] | None,
    described: Mapping[str, str],
    lineage: ColumnLineage | None,
    table_profile: model.Profile | None,
) -> tuple[tuple[model.Column, ...], list[str]]:
    """The columns: the table's (else SCHEMA's) with their types, descriptions, lineage and
    profile; a warning line for each described column the table does not have."""
    if schema is not None:
        types = {name: str(dtype) for name, dtype in schema.items()}
    elif declared_schema:
        types = {name: str(dtype) for name, dtype in declared_schema.items()}
    elif lineage is not None:
        types = dict.fromkeys((*lineage.columns, *lineage.unknown), "")
    else:
        types = dict.fromkeys(described, "")
    notes = undescribed_columns(key, described, list(types)) if types else []
    columns = []
    for name, dtype in types.items():
        upstreams, opaque, declared, decided_by = None, False, False, ()
        if lineage is not None:
            opaque = name in lineage.unknown
            deps = lineage.columns.get(name)
            if deps is not None or opaque:
                upstreams = tuple(model.Upstream(asset, column) for asset, column in deps or ())
            declared = name in lineage.declared
            filters = lineage.filters.get(name, ())
            decided_by = tuple(model.Upstream(asset, column) for asset, column in filters)
        columns.append(
            model.Column(
                name=name,
                dtype=dtype,
                description=described.get(name, ""),
                upstreams=upstreams,
                opaque=opaque,
                declared=declared,
                decided_by=decided_by,
                profile=table_profile.columns.get(name) if table_profile else None,
            )
        )
    return tuple(columns), notes
