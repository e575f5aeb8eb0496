import dagster as dg
from polster.orchestration import build_definitions


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
