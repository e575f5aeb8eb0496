"""The pipeline's logic: one module of Polars code per asset, no Dagster.

Each module imports only Polars and `polster`'s pure parts (checks, sources, settings),
so it runs on its own too: `python src/core/silver_example.py`.
"""
