"""Dagster's view of the pipeline: the definitions and one thin wrapper per asset."""
