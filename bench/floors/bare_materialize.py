"""The fixed-overhead floor: Dagster's bare in-process `materialize` of the same assets.

    python bare_materialize.py DATA_DIR

Same definitions (asset checks included: they run inside each asset) as `run_polster.py`, but an
ephemeral instance (no DAGSTER_HOME, nothing recorded), no argument parsing and no summary.
"""

import sys

import dagster as dg
from polster.core.storage import TableStore
from polster.orchestration.definitions import build_definitions


def main(data: str) -> None:
    defs = build_definitions(TableStore(root=data))
    result = dg.materialize(list(defs.assets or []), resources=defs.resources)
    if not result.success:
        raise SystemExit(1)


if __name__ == "__main__":
    main(sys.argv[1])
