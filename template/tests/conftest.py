"""Polster's pytest plugin gives these tests their fixtures: `store` (an empty table store
in a temporary folder) and `pipeline` (every asset materialized once by Dagster)."""

pytest_plugins = ["polster.testing"]
