"""Migration to Polster 0.2.0: the medallion contract moved into its own package.

`core.quality`, `polster.medallion`, `polster.declaration` and `polster.errors` are now
`medallion.quality`, `medallion.layers`, `medallion.declaration` and `medallion.errors`;
`orchestration.utils` is `orchestration.asset_factory`. Copier brings the moved files;
this rewrites the imports in the modules and tests you wrote (`src/`, `tests/`). Running
it twice changes nothing. Copier runs it in the project folder after an update.
"""

from __future__ import annotations

import re
from pathlib import Path

MOVED = {
    "core.quality": "medallion.quality",
    "polster.medallion": "medallion.layers",
    "polster.declaration": "medallion.declaration",
    "polster.errors": "medallion.errors",
    "orchestration.utils": "orchestration.asset_factory",
}
# A whole dotted module name, as imported: not `xcore.quality` nor `core.quality_rules`.
MODULE = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, MOVED)) + r")(?![\w])")


def rewrite(source: str) -> str:
    """`source` with every import of a moved module pointing at its new name."""
    return MODULE.sub(lambda match: MOVED[match[1]], source)


def main() -> None:
    root = Path.cwd()
    for folder in ("src", "tests"):
        for path in sorted((root / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            new = rewrite(text)
            if new != text:
                path.write_text(new, encoding="utf-8")
                print(f"polster 0.2.0 migration: updated the imports of {path.relative_to(root)}")


if __name__ == "__main__":
    main()
