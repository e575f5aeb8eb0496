"""`polster docs`: collect the catalog, render it, write it (see the package's docstring)."""

from __future__ import annotations

import os
from pathlib import Path

from polster.core.settings import get_settings, project_name
from polster.core.storage import default_store
from polster.tooling.catalog.collect import PROFILE_ROWS, collect
from polster.tooling.catalog.model import Catalog
from polster.tooling.catalog.render import pages
from polster.tooling.catalog.site import secret_values, write_site
from polster.tooling.project import load_project

DEFAULT_OUTPUT = "catalog"


def build(root: Path, output: Path, profile_rows: int = PROFILE_ROWS) -> tuple[Path, Catalog]:
    """Build the catalog of the project at `root` into `output`; returns its index.html and
    the catalog it shows."""
    get_settings()  # puts .env's values into the environment: they are hidden below too
    catalog = collect(load_project(root), default_store(), project_name(), profile_rows)
    index = write_site(output, pages(catalog), secret_values(os.environ))
    return index, catalog
