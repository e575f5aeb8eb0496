"""`polster docs`: a static catalog site of the project, readable from file:// alone.

collect.py reads the project (its modules, its tables, read and never written, its run
reports) into the plain model of model.py; render.py turns the model into pages (graph.py
draws the asset graph as SVG, profile.py profiles each table within bounds); site.py writes
them with the static files (static/: catalog.css, catalog.js; no CDN, no other script) and
serves them on 127.0.0.1 for those who want it.
"""

from __future__ import annotations

import os
from pathlib import Path

from polster.tooling.catalog.collect import PROFILE_ROWS
from polster.tooling.catalog.model import Catalog

DEFAULT_OUTPUT = "catalog"

__all__ = ["DEFAULT_OUTPUT", "PROFILE_ROWS", "Catalog", "build"]


def build(root: Path, output: Path, profile_rows: int = PROFILE_ROWS) -> tuple[Path, Catalog]:
    """Build the catalog of the project at `root` into `output`; returns its index.html and
    the catalog it shows."""
    from polster.core.settings import get_settings, project_name
    from polster.core.storage import default_store
    from polster.tooling.catalog import collect, render, site
    from polster.tooling.project import load_project

    get_settings()  # puts .env's values into the environment: they are hidden below too
    catalog = collect.collect(load_project(root), default_store(), project_name(), profile_rows)
    index = site.write_site(output, render.pages(catalog), site.secret_values(os.environ))
    return index, catalog
