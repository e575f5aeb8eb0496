"""Readers for real sources: landed files, HTTP APIs and databases (no Dagster here).

Every reader raises SourceError with one line that says what is wrong, where, and how
to fix it; secrets (tokens, passwords) never appear in it.
"""

from polster.contract.errors import PolsterError


class SourceError(PolsterError, RuntimeError):
    """A source cannot be read; the message names the file, URL or variable to fix."""
