"""`polster validate`: every problem of the project, each with its file and its fix."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from polster.medallion import COMPUTE_FUNCTION, LAYERS, find_violations
from polster.project import ASSETS_DIR, Project, compute_function, core_module_path, wrapper_path


@dataclass(frozen=True)
class Problem:
    """One problem: where it is, what is wrong, how to fix it."""

    path: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}. Fix: {self.fix}."


def find_problems(project: Project) -> list[Problem]:
    """Structure, layer rules and imports, in that order; imports only when the rest is sound."""
    problems = file_problems(project) + misplaced_wrappers(project)
    broken = {Path(problem.path).stem.removeprefix("run_") for problem in problems}
    problems += [
        Problem(str(core_module_path(v.asset)), v.problem, v.fix)
        for v in find_violations(project.graph())
        if v.asset not in broken
    ]
    if not problems:
        problems = import_problems(project)
    return problems


def file_problems(project: Project) -> list[Problem]:
    """Wrappers without a core module and back, and core modules without their function."""
    problems = []
    for key, asset in project.assets.items():
        core, wrapper = core_module_path(key), wrapper_path(key)
        if not asset.has_core_module:
            problems.append(
                Problem(str(wrapper), "this wrapper has no core module", f"create {core}")
            )
            continue
        if not asset.has_wrapper:
            problems.append(
                Problem(
                    str(core),
                    "this core module has no Dagster wrapper",
                    f"create {wrapper} (see AGENTS.md)",
                )
            )
        problems.extend(function_problems(project.root, key))
    return problems


def function_problems(root: Path, key: str) -> list[Problem]:
    path = core_module_path(key)
    function = COMPUTE_FUNCTION[key.partition("_")[0]]
    try:
        found = compute_function(root / path)
    except SyntaxError as error:
        return [Problem(f"{path}:{error.lineno}", f"it does not parse ({error.msg})", "fix it")]
    if found is None:
        return [Problem(str(path), f"it defines no {function}() function", f"add {function}()")]
    return []


def misplaced_wrappers(project: Project) -> list[Problem]:
    """Wrappers in a layer folder that names another layer's asset."""
    problems = []
    for layer in LAYERS:
        for path in sorted((project.root / ASSETS_DIR / layer).glob("run_*.py")):
            if not path.stem.startswith(f"run_{layer}_"):
                relative = path.relative_to(project.root)
                problems.append(
                    Problem(
                        str(relative),
                        f"the {layer} folder holds a wrapper that is not run_{layer}_<name>.py",
                        "move it to its layer's folder, or rename it",
                    )
                )
    return problems


def import_problems(project: Project) -> list[Problem]:
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
                    Problem(
                        str(path),
                        f"it fails to import: {type(error).__name__}: {error}",
                        "fix that error",
                    )
                )
                break
    return problems
