"""Settings, storage and sources: Polster's ground floor, no Dagster.

Nothing here imports Dagster, `polster.orchestration` or `polster.tooling`, so a project's
asset modules, which use these through `polster`'s public names, run on their own.
"""
