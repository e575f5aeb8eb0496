"""Pure Polars logic of the pipeline: one module per asset, plus storage and settings.

Nothing in this package imports Dagster, so every module runs on its own:
`python src/core/silver_example.py`.
"""
