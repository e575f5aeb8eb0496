"""The one error type the polster commands show to users."""


class PolsterError(Exception):
    """Something the user can fix: printed as one line, exit code 1, nothing changed."""
