"""The pipeline's ground floor: settings, storage and one module of Polars logic per asset.

Nothing in this package imports Dagster, `orchestration` or `polster` (a generated test,
tests/test_layering.py, keeps it so), so every asset module runs on its own:
`python src/core/silver_example.py`.
"""
