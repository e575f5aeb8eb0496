"""The scaffolds `polster add-asset` writes, kept as files (see README.md beside this one)."""

from __future__ import annotations

from importlib.resources import files
from string import Template


def render(name: str, **values: str) -> str:
    """The scaffold `name` (a `.tmpl` file here) with its `$placeholders` filled in."""
    text = (files(__package__) / name).read_text(encoding="utf-8")
    return Template(text).substitute(values)


def fixture(name: str) -> bytes:
    """A sample data file of the generated tests (`fixtures/<name>`), as it is shipped."""
    return (files(__package__) / "fixtures" / name).read_bytes()
