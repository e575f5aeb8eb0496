"""`make demo`: render a fresh demo project from this checkout and run its pipeline.

The demo goes to demo/polster_demo (git-ignored, recreated on every run), with the
answers a first-time user would give: every default, examples included.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import copier

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo" / "polster_demo"


def render_demo() -> None:
    """Copy the template like a user would: default answers, tasks (uv sync, git) on."""
    if DEMO.exists():
        shutil.rmtree(DEMO)  # demo/ is scratch space, rebuilt each time
    os.environ.pop("VIRTUAL_ENV", None)  # the demo's `uv sync` builds its own .venv
    copier.run_copy(
        str(REPO),
        DEMO,
        data={"project_name": DEMO.name},
        defaults=True,
        unsafe=True,
        vcs_ref="HEAD",
    )


def run_pipeline() -> None:
    """Materialize bronze -> silver -> gold once, then show each asset's status."""
    python = str(DEMO / ".venv" / "bin" / "python")
    subprocess.run([python, "run_polster.py"], cwd=DEMO, check=True)
    subprocess.run([python, "run_polster.py", "--status"], cwd=DEMO, check=True)


def main() -> int:
    started = time.perf_counter()
    render_demo()
    try:
        run_pipeline()
    except subprocess.CalledProcessError as error:
        print(f"make: demo: the pipeline failed (exit code {error.returncode})", file=sys.stderr)
        return 1
    print(f"\nDemo ready in {time.perf_counter() - started:.0f}s.")
    print(f"Gold table: {DEMO / 'data' / 'gold' / 'example'}")
    print(f"Explore it: cd {DEMO.relative_to(REPO)} && make ui")
    return 0


if __name__ == "__main__":
    sys.exit(main())
