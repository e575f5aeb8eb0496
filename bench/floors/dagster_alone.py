"""The fixed-cost floor of Dagster itself: a run recorded in DAGSTER_HOME, as
`run_polster.py` records one, of three chained assets that do no work, with as many
asset checks as the example's (2 + 5 + 4), all passing.

    python dagster_alone.py

No Polars, no Delta, no Polster: what any Dagster run recorded in its instance costs,
through Dagster's own SQLite storage classes (`dagster.yaml` as `run_polster.py` reads it).
"""

import dagster as dg

CHECKS = {"bronze": 2, "silver": 5, "gold": 4}


def chained_asset(name: str, upstream: str | None, checks: int) -> dg.AssetsDefinition:
    specs = [dg.AssetCheckSpec(f"check_{index}", asset=name) for index in range(checks)]

    @dg.asset(name=name, deps=[upstream] if upstream else [], check_specs=specs)
    def step():
        yield dg.MaterializeResult()
        for index in range(checks):
            yield dg.AssetCheckResult(asset_key=name, check_name=f"check_{index}", passed=True)

    return step


def main() -> None:
    names = list(CHECKS)
    assets = [
        chained_asset(name, names[index - 1] if index else None, CHECKS[name])
        for index, name in enumerate(names)
    ]
    with dg.DagsterInstance.get() as instance:
        if not dg.materialize(assets, instance=instance).success:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
