"""The Dagster definitions of this project, which `dg`, `dagster dev` and the UI load.

Polster builds them from the defs folder, orchestration/assets/: every asset wrapper there,
checked against the medallion layer rules, with its checks, the schedules and sensors.
"""

import dagster as dg
from polster.orchestration import build_definitions


@dg.definitions
def defs() -> dg.Definitions:
    """Built when Dagster asks for them, not at import."""
    return build_definitions()
