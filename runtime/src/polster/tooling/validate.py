"""`polster validate`: every problem of the project, each with its file and its fix."""

from __future__ import annotations

import ast
import importlib
import sys
import traceback
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from polster.contract.errors import PolsterError
from polster.contract.layers import (
    COMPUTE_FUNCTION,
    LAYERS,
    Violation,
    find_violations,
    layer_fix,
    layer_of,
    split_key,
)
from polster.contract.layout import (
    ASSETS_DIR,
    CORE_DIR,
    WRAPPER_PREFIX,
    core_module_path,
    key_of_wrapper,
    wrapper_path,
    wrapper_pattern,
)
from polster.tooling.project import Project, compute_function

# The steps of `polster validate`, in order, each named in its output; each runs only when
# the previous ones found nothing. Only the last loads Dagster (as `dg check defs` does).
STEPS = (
    "files, names and layer rules",
    "imports of the core modules (src/core)",
    "Dagster definitions: the wrappers, loaded as `dg check defs` loads them",
)


def find_problems(project: Project) -> list[Violation]:
    """Syntax, structure, layer rules, imports and Dagster's definitions, in that order;
    each only when the previous ones are sound."""
    for _, problems in checked_steps(project):
        if problems:
            return problems
    return []


def checked_steps(project: Project) -> Iterator[tuple[str, list[Violation]]]:
    """Each step of STEPS with its problems, one at a time, until one finds any."""
    checks = (rule_problems, import_problems, definition_problems)
    for step, check in zip(STEPS, checks, strict=True):
        problems = check(project)
        yield step, problems
        if problems:
            return


def rule_problems(project: Project) -> list[Violation]:
    """Syntax, files and the layer rules, from the files alone (nothing is imported)."""
    problems = syntax_problems(project.root)
    if problems:
        return problems
    problems = file_problems(project) + misplaced_wrappers(project) + unlayered_assets(project)
    broken = {key_of_wrapper(Path(problem.where.partition(":")[0])) for problem in problems}
    return problems + [
        replace(violation, where=str(core_module_path(violation.where)))
        for violation in find_violations(project.graph())
        if violation.where not in broken
    ]


def python_files(root: Path) -> list[Path]:
    """Every Python file of the project's code that Polster or Dagster imports: the asset
    modules and their helpers (src/core), the definitions and the defs folder."""
    folders = (root / CORE_DIR, root / ASSETS_DIR.parent)
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*.py")
        if "__pycache__" not in path.relative_to(root).parts
    )


def syntax_problems(root: Path) -> list[Violation]:
    """Files Python cannot parse: each stops every command that imports it."""
    problems = []
    for path in python_files(root):
        relative = path.relative_to(root).as_posix()
        try:
            ast.parse(path.read_bytes(), filename=relative)
        except SyntaxError as error:
            problems.append(
                Violation(
                    f"{relative}:{error.lineno}",
                    f"Python cannot parse it: {error.msg}",
                    "correct the code on that line",
                )
            )
    return problems


def unlayered_assets(project: Project) -> list[Violation]:
    """Assets of the defs folder outside Polster's wrappers (`dg scaffold defs dagster.asset
    ...` writes them) whose key has no layer: the run would refuse them."""
    problems = []
    for path in sorted((project.root / ASSETS_DIR).rglob("*.py")):
        if path.name == "__init__.py" or path.name.startswith(WRAPPER_PREFIX):
            continue
        relative = path.relative_to(project.root).as_posix()
        for key, line in decorated_assets(ast.parse(path.read_bytes())):
            if layer_of(key) is None:
                problems.append(
                    Violation(
                        f"{relative}:{line}",
                        f"the asset key {key} does not start with a layer ({', '.join(LAYERS)})",
                        layer_fix(key, relative),
                    )
                )
    return problems


def decorated_assets(module: ast.Module) -> list[tuple[str, int]]:
    """The key and line of each `@asset`/`@dg.asset` function: its `name=`, else its name."""
    found = []
    for node in ast.walk(module):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name != "asset":
                continue
            key = node.name
            for keyword in call.keywords if call else []:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    key = str(keyword.value.value)
            found.append((key, decorator.lineno))
    return found


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
    # Every file of src/core parses: syntax_problems comes first.
    if compute_function(root / path) is None:
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
    """Core modules that raise when imported (no Dagster: their wrappers, which import it,
    are the definitions' step)."""
    modules = {f"core.{key}": core_module_path(key) for key in project.assets}
    return module_problems(project, modules)


def wrapper_problems(project: Project) -> list[Violation]:
    """Wrappers that raise when imported, as Dagster would import them."""
    return module_problems(
        project,
        {
            f"orchestration.assets.{split_key(key)[0]}.{wrapper_path(key).stem}": wrapper_path(key)
            for key in project.assets
        },
    )


def module_problems(project: Project, modules: dict[str, Path]) -> list[Violation]:
    source = str(project.root / "src")
    if source not in sys.path:
        sys.path.insert(0, source)
    problems = []
    for module, path in modules.items():
        try:
            importlib.import_module(module)
        except Exception as error:  # any error a user's module raises must be shown
            problems.append(import_violation(project.root, path, error))
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
    """Wrappers that do not import, then what Dagster refuses when it loads the definitions,
    e.g. two assets with one key."""
    problems = wrapper_problems(project)
    if problems:
        return problems
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
