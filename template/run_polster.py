"""Polster's control panel: materialize the pipeline, show its status, open the Dagster UI.

    python run_polster.py             materialize every asset once
    python run_polster.py --status    when each asset was last materialized
    python run_polster.py --ui        materialize, then open the UI on 127.0.0.1:3000
    python run_polster.py --help      every option

The logic lives in src/orchestration/runner.py; this file is the entry point.
"""

import sys

from orchestration.runner import main

if __name__ == "__main__":
    sys.exit(main())
