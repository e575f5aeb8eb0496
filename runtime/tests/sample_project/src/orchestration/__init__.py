"""The sample project's Dagster side."""
