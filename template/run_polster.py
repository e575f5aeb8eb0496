"""Polster's control panel: materialize the pipeline, show its status, open the Dagster UI.

    python run_polster.py             materialize every asset once
    python run_polster.py --status    when each asset was last materialized
    python run_polster.py --ui        materialize, then open the UI on 127.0.0.1:3000
    python run_polster.py --help      every option

The logic lives in the polster runtime (polster.orchestration.run_polster); this file is
the entry point.
"""

import sys

try:
    from polster.orchestration import run_polster
except ModuleNotFoundError as error:  # a Python without the project's environment
    sys.exit(
        f"error: {error.name} is not installed in {sys.executable}: run `make run` instead "
        "(or `make setup`, then `source .venv/bin/activate`, then this command again)"
    )

if __name__ == "__main__":
    sys.exit(run_polster())
