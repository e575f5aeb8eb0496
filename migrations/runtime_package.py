"""Migration to Polster 0.3.0: Polster's machinery moved out of the project, into the
`polster` runtime (the polster-runtime distribution) that the project now depends on.

Copier has already brought the new files and removed every machinery file of the old
layout (`src/medallion/`, `src/polster/`, `src/core/storage.py`, ...), changed or not.
This script, run by Copier in the project folder after the update:

1. brings back, from the project's last commit, each machinery file you had changed (it
   differs from the old template's own), so that nothing of yours is lost, and names it in
   one line: Polster no longer uses it;
2. rewrites the imports of the modules and tests you wrote (`src/`, `tests/`) to the
   runtime's public API (`from polster import not_null, main, Landing, ...`,
   `from polster.orchestration import medallion_asset`);
3. sorts the rewritten imports with ruff, when the environment has it;
4. deletes the old machinery folders left holding only bytecode caches (`__pycache__`).

Running it twice changes nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from jinja2 import Environment

# This script lives in the template's clone, which has the old version's files too.
TEMPLATE = Path(__file__).resolve().parents[1]

PREFIX = "polster 0.3.0 migration:"
# The machinery modules of the old layout, by package.
CONTRACT = ("declaration", "errors", "failures", "layers", "layout", "partitions", "quality")
CORE = (
    *("adls", "alerts", "landing", "locks", "maintenance", "materialize", "paths"),
    *("publish", "settings", "standalone", "storage"),
)
SOURCES = ("sources", "sources.api", "sources.database", "sources.files")
ORCHESTRATION = (
    *("alerts", "asset_factory", "checks", "io_manager", "maintenance", "partitions"),
    *("run_plan", "run_summary", "runner", "sensors", "status", "text_table"),
)
TOOLING = (
    *("assets", "cli", "files", "ingested", "lineage", "project", "prompts", "scaffold"),
    *("source_templates", "tables", "update", "validate"),
)
MACHINERY_TESTS = (
    "alerts",
    "layering",
    "quality",
    "secrets",
    "settings",
    "storage",
    "storage_options",
)
# Each old module and the runtime module that holds its code now.
MOVED = {
    **{f"medallion.{name}": f"polster.contract.{name}" for name in CONTRACT},
    **{f"core.{name}": f"polster.core.{name}" for name in (*CORE, *SOURCES)},
    **{f"orchestration.{name}": f"polster.orchestration.{name}" for name in ORCHESTRATION},
    **{f"polster.{name}": f"polster.tooling.{name}" for name in TOOLING},
}
# The names the runtime's public API offers, by the package that exports them.
PUBLIC = {
    "polster": {
        *("PolsterError", "SourceError", "Check", "Quarantined", "quarantine", "repeated"),
        *("accepted_values", "expect", "in_range", "min_rows", "not_null", "unique"),
        *("Landing", "INGESTED_AT", "SOURCE_FILE", "CsvReader", "ExcelReader", "JsonReader"),
        *("ParquetReader", "Api", "fetch_records", "records_frame", "records_of", "Query"),
        *("Settings", "get_settings", "secret", "project_root", "TableStore", "default_store"),
        "main",
    },
    "polster.orchestration": {"medallion_asset", "build_definitions", "run_polster"},
}
# `from core.paths import PROJECT_ROOT` becomes `from polster import project_root`.
RENAMED = {"PROJECT_ROOT": "project_root"}
FROM_IMPORT = re.compile(
    r"^(?P<indent>[ \t]*)from (?P<module>[\w.]+) import (?P<names>\([^)]*\)|[^\n]*)$",
    re.MULTILINE,
)
# The machinery files of the old layout (Polster 0.2.0, template 10ca1c8).
OLD_MACHINERY = (
    "src/medallion",
    "src/polster",
    "src/core/sources",
    *(f"src/core/{name}.py" for name in CORE),
    *(f"src/orchestration/{name}.py" for name in ORCHESTRATION),
    *(f"tests/test_{name}.py" for name in MACHINERY_TESTS),
)


def new_module(module: str) -> str | None:
    """The module that holds what `module` held, or None when it did not move."""
    return MOVED.get(module)


def rewrite_import(match: re.Match[str]) -> str:
    indent, module, names = match["indent"], match["module"], match["names"]
    target = new_module(module)
    if target is None:
        return match[0]
    listed = [name.strip() for name in names.strip("()").replace("\n", " ").split(",")]
    listed = [name for name in listed if name]
    renamed = [RENAMED.get(name, name) for name in listed]
    for package, public in PUBLIC.items():
        if all(name.split(" as ")[0] in public for name in renamed):
            return f"{indent}from {package} import {', '.join(renamed)}"
    return f"{indent}from {target} import {names}"


def rewrite(source: str) -> str:
    """`source` with every import of a moved module pointing at the runtime."""
    text = FROM_IMPORT.sub(rewrite_import, source)
    text = re.sub(r"(?m)^(\s*)import (medallion|core\.\w+)\b.*$", _plain_import, text)
    if "from polster import" in text and re.search(r"\bPROJECT_ROOT\b", text):
        text = re.sub(r"\bPROJECT_ROOT\b", "project_root()", text)
    return text


def _plain_import(match: re.Match[str]) -> str:
    module = match[0].strip().removeprefix("import ").split(" as ")[0]
    target = new_module(module)
    return match[0].replace(module, target, 1) if target else match[0]


def user_files(root: Path) -> list[Path]:
    """The Python files of src/ and tests/ that are not old machinery."""
    machinery = {root / path for path in OLD_MACHINERY}
    files = []
    for folder in ("src", "tests"):
        for path in sorted((root / folder).rglob("*.py")):
            if not any(path == old or old in path.parents for old in machinery):
                files.append(path)
    return files


def git(cwd: Path, *args: str) -> str | None:
    """git's output, or None when it fails (no such file at that version)."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def is_machinery(relative: str) -> bool:
    return any(relative == old or relative.startswith(f"{old}/") for old in OLD_MACHINERY)


def pristine(relative: str, version: str, answers: dict) -> str | None:
    """The old template's own version of a project file, rendered with the answers."""
    text = git(TEMPLATE, "show", f"{version}:template/{relative}")
    if text is not None:
        return text
    text = git(TEMPLATE, "show", f"{version}:template/{relative}.jinja")
    if text is None:
        return None
    return Environment(keep_trailing_newline=True).from_string(text).render(**answers)


def restore_changed_machinery(root: Path, version: str) -> list[str]:
    """Bring back the machinery files the user had changed; return their paths."""
    answers = yaml.safe_load((root / ".copier-answers.yml").read_text(encoding="utf-8"))
    committed = (git(root, "ls-files", "--", "src", "tests") or "").splitlines()
    kept = []
    for relative in committed:
        path = root / relative
        if path.exists() or not is_machinery(relative):
            continue
        ours = git(root, "show", f"HEAD:{relative}")
        if ours is not None and ours != pristine(relative, version, answers):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(ours, encoding="utf-8")
            kept.append(relative)
    return kept


def remove_emptied_folders(root: Path) -> None:
    """Delete the old machinery folders Copier emptied of their files, where only Python's
    bytecode caches are left: a leftover `src/polster/` would shadow the runtime for ruff
    (it would sort `polster` as first-party) and for tools that scan `src/`."""
    for relative in OLD_MACHINERY:
        folder = root / relative
        if not folder.is_dir():
            continue
        files = [path for path in folder.rglob("*") if path.is_file()]
        if all("__pycache__" in path.relative_to(folder).parts for path in files):
            shutil.rmtree(folder)


def sort_imports(root: Path, paths: list[Path]) -> None:
    """Let ruff sort the rewritten import blocks (the new ones are third-party)."""
    if not paths:
        return
    command = [sys.executable, "-m", "ruff", "check", "--select", "I", "--fix", "--quiet"]
    try:
        subprocess.run([*command, *map(str, paths)], cwd=root, capture_output=True, check=False)
    except OSError:
        print(f"{PREFIX} run `make format` to sort the imports it rewrote")


def main() -> None:
    root = Path.cwd()
    # Copier tells a migration which version the project comes from.
    version = os.environ.get("VERSION_FROM", "")
    kept = restore_changed_machinery(root, version) if version else []
    remove_emptied_folders(root)
    rewritten = []
    for path in user_files(root):
        text = path.read_text(encoding="utf-8")
        new = rewrite(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            rewritten.append(path)
            print(f"{PREFIX} {path.relative_to(root)} now imports from the polster runtime")
    sort_imports(root, [*rewritten, *(root / relative for relative in kept)])
    for relative in kept:
        print(
            f"{PREFIX} kept {relative}: you had changed it, and Polster no longer uses it "
            "(its code is in the polster runtime now); move your change there, then delete it"
        )


if __name__ == "__main__":
    main()
