"""Migration to Polster 0.1.0: the tests of single assets move to tests/assets/.

Copier moves the example assets' tests itself. This moves the tests you wrote for
your own assets (tests/test_<layer>_<name>.py next to src/core/<layer>_<name>.py),
with `git mv` when git tracks them so that their history follows. Running it twice
changes nothing. Copier runs it in the project folder after an update.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ASSET_TEST = re.compile(r"^test_((?:bronze|silver|gold)_[a-z][a-z0-9_]*)\.py$")


def moves(root: Path) -> list[tuple[Path, Path]]:
    """(old, new) paths of the asset tests still in tests/, relative to `root`."""
    planned = []
    for path in sorted((root / "tests").glob("test_*.py")):
        match = ASSET_TEST.match(path.name)
        target = Path("tests") / "assets" / path.name
        is_asset = match is not None and (root / "src" / "core" / f"{match[1]}.py").is_file()
        if is_asset and not (root / target).exists():
            planned.append((path.relative_to(root), target))
    return planned


def is_tracked(root: Path, path: Path) -> bool:
    command = ["git", "ls-files", "--error-unmatch", "--", str(path)]
    return subprocess.run(command, cwd=root, capture_output=True, check=False).returncode == 0


def move(root: Path, source: Path, target: Path) -> None:
    (root / target).parent.mkdir(parents=True, exist_ok=True)
    if is_tracked(root, source):
        subprocess.run(["git", "mv", "--", str(source), str(target)], cwd=root, check=True)
    else:
        (root / source).rename(root / target)


def main() -> None:
    root = Path.cwd()
    for source, target in moves(root):
        move(root, source, target)
        print(f"polster 0.1.0 migration: moved {source} to {target}")


if __name__ == "__main__":
    main()
