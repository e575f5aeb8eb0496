"""`polster validate`: every problem of the project, each with its file and its fix."""

from __future__ import annotations

import importlib
import sys
import traceback
from dataclasses import replace
from pathlib import Path

from polster.contract.errors import PolsterError
from polster.contract.layers import COMPUTE_FUNCTION, LAYERS, Violation, find_violations, split_key
from polster.contract.layout import (
    ASSETS_DIR,
    WRAPPER_PREFIX,
    core_module_path,
    key_of_wrapper,
    wrapper_path,
    wrapper_pattern,
)
from polster.tooling.project import Project, compute_function


def find_problems(project: Project) -> list[Violation]:
    """Structure, layer rules and imports, in that order; imports only when the rest is sound."""
    problems = file_problems(project) + misplaced_wrappers(project)
    broken = {key_of_wrapper(Path(problem.where.partition(":")[0])) for problem in problems}
    problems += [
        replace(violation, where=str(core_module_path(violation.where)))
        for violation in find_violations(project.graph())
        if violation.where not in broken
    ]
    if not problems:
        problems = import_problems(project)
    if not problems:
        problems = definition_problems(project)
    return problems


def file_problems(project: Project) -> list[Violation]:
    """Wrappers without a core module and back, and core modules without their function."""
    problems = []
    for key, asset in project.assets.items():
        core, wrapper = core_module_path(key), wrapper_path(key)
        if not asset.has_core_module:
            problems.append(
                Violation(str(wrapper), "this wrapper has no core module", f"create {core}")
            )
            continue
        if not asset.has_wrapper:
            problems.append(
                Violation(
                    str(core),
                    "this core module has no Dagster wrapper",
                    f"create {wrapper} (see AGENTS.md)",
                )
            )
        problems.extend(function_problems(project.root, key))
    return problems


def function_problems(root: Path, key: str) -> list[Violation]:
    path = core_module_path(key)
    function = COMPUTE_FUNCTION[split_key(key)[0]]
    try:
        found = compute_function(root / path)
    except SyntaxError as error:
        return [
            Violation(
                f"{path}:{error.lineno}",
                f"Python cannot parse it: {error.msg}",
                "correct the code on that line",
            )
        ]
    if found is None:
        return [Violation(str(path), f"it defines no {function}() function", f"add {function}()")]
    return []


def misplaced_wrappers(project: Project) -> list[Violation]:
    """Wrappers in a layer folder that names another layer's asset."""
    problems = []
    for layer in LAYERS:
        for path in sorted((project.root / ASSETS_DIR / layer).glob(f"{WRAPPER_PREFIX}*.py")):
            if not path.match(wrapper_pattern(layer)):
                relative = path.relative_to(project.root)
                problems.append(
                    Violation(
                        str(relative),
                        f"the {layer} folder holds a wrapper that is not "
                        f"{WRAPPER_PREFIX}{layer}_<name>.py",
                        "move it to its layer's folder, or rename it",
                    )
                )
    return problems


def import_problems(project: Project) -> list[Violation]:
    """Modules that raise when imported, as Dagster would import them."""
    source = str(project.root / "src")
    if source not in sys.path:
        sys.path.insert(0, source)
    problems = []
    for key in project.assets:
        layer = split_key(key)[0]
        for module, path in (
            (f"core.{key}", core_module_path(key)),
            (
                f"orchestration.assets.{layer}.{wrapper_path(key).stem}",
                wrapper_path(key),
            ),
        ):
            try:
                importlib.import_module(module)
            except Exception as error:  # any error a user's module raises must be shown
                problems.append(import_violation(project.root, path, error))
                break
    return problems


def import_violation(root: Path, module: Path, error: Exception) -> Violation:
    """Where importing `module` failed (the last line of the project's code) and why."""
    where = str(module)
    frames = traceback.extract_tb(error.__traceback__)
    if isinstance(error, SyntaxError) and error.filename:
        frames.append(traceback.FrameSummary(error.filename, error.lineno or 0, ""))
    for frame in reversed(frames):
        path = Path(frame.filename)
        # The innermost line of the project's own code (this command's frames excepted).
        if path.is_relative_to(root / "src") and not path.is_relative_to(root / "src" / "polster"):
            where = f"{path.relative_to(root)}:{frame.lineno}"
            break
    message = error.msg if isinstance(error, SyntaxError) else str(error)
    fix = "correct the code on that line"
    if isinstance(error, ModuleNotFoundError) and error.name:
        top = error.name.partition(".")[0]
        fix = f"add the package to the project (uv add {top}) or correct the import"
    return Violation(where, f"it fails to import: {type(error).__name__}: {message}", fix)


def definition_problems(project: Project) -> list[Violation]:
    """What Dagster refuses when it loads the definitions, e.g. two assets with one key."""
    try:
        from polster.orchestration.definitions import build_definitions

        build_definitions().resolve_asset_graph()
    except PolsterError as error:
        problem = " ".join(str(error).split())  # the rules broken, on one line
        return [Violation("the definitions", problem, "correct what it names")]
    except Exception as error:  # Dagster's own refusals name the asset
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        problem = f"Dagster cannot load them: {first_line or type(error).__name__}"
        return [Violation(str(ASSETS_DIR), problem, "give every asset its own key and wrapper")]
    return []
