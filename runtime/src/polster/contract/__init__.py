"""The medallion contract: what every other part of the project agrees on.

Layers, asset keys and the rules between them (`layers`), how a core module declares
an asset, its checks, schema and upstreams (`declaration`, `quality`), where each
kind of file lives (`layout`) and the one error type users see (`errors`).

The layering of the project, one direction only, no import running back up:

    medallion (this contract) -> core (settings, storage, asset logic)
        -> orchestration (Dagster) -> polster (the CLI), run_polster.py

Nothing here imports Dagster or any other package of the project.
"""
