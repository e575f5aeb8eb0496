"""The one error type for problems a user can fix, and how any error becomes one line."""

from __future__ import annotations


class PolsterError(Exception):
    """Something the user can fix: shown as one line (what, where, how to fix), exit code 1.

    Every part of the project raises a subclass of it for bad settings, bad declarations,
    broken layer rules or unusable storage, so that every entry point (run_polster.py, the
    polster commands, a standalone core module) reports it the same way.
    """
