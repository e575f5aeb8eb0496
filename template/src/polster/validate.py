"""`polster validate`: every problem of the project, each with its file and its fix."""

from __future__ import annotations

import importlib
import sys
from dataclasses import replace
from pathlib import Path

from polster.medallion import COMPUTE_FUNCTION, LAYERS, Violation, find_violations
from polster.project import ASSETS_DIR, Project, compute_function, core_module_path, wrapper_path


def find_problems(project: Project) -> list[Violation]:
    """Structure, layer rules and imports, in that order; imports only when the rest is sound."""
    problems = file_problems(project) + misplaced_wrappers(project)
    broken = {Path(problem.where).stem.removeprefix("run_") for problem in problems}
    problems += [
        replace(violation, where=str(core_module_path(violation.where)))
        for violation in find_violations(project.graph())
        if violation.where not in broken
    ]
    if not problems:
        problems = import_problems(project)
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
    function = COMPUTE_FUNCTION[key.partition("_")[0]]
    try:
        found = compute_function(root / path)
    except SyntaxError as error:
        return [Violation(f"{path}:{error.lineno}", f"it does not parse ({error.msg})", "fix it")]
    if found is None:
        return [Violation(str(path), f"it defines no {function}() function", f"add {function}()")]
    return []


def misplaced_wrappers(project: Project) -> list[Violation]:
    """Wrappers in a layer folder that names another layer's asset."""
    problems = []
    for layer in LAYERS:
        for path in sorted((project.root / ASSETS_DIR / layer).glob("run_*.py")):
            if not path.stem.startswith(f"run_{layer}_"):
                relative = path.relative_to(project.root)
                problems.append(
                    Violation(
                        str(relative),
                        f"the {layer} folder holds a wrapper that is not run_{layer}_<name>.py",
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
        layer = key.partition("_")[0]
        for module, path in (
            (f"core.{key}", core_module_path(key)),
            (f"orchestration.assets.{layer}.run_{key}", wrapper_path(key)),
        ):
            try:
                importlib.import_module(module)
            except Exception as error:  # any error a user's module raises must be shown
                problems.append(
                    Violation(
                        str(path),
                        f"it fails to import: {type(error).__name__}: {error}",
                        "fix that error",
                    )
                )
                break
    return problems
