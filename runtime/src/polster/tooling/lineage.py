"""The asset lineage as a Mermaid diagram, kept current in the project's README."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from polster.contract.layers import LAYERS, layer_of
from polster.tooling.files import replace_file

START_MARKER = "<!-- polster:graph:start -->"
END_MARKER = "<!-- polster:graph:end -->"


def mermaid(graph: Mapping[str, Sequence[str]]) -> str:
    """A left-to-right Mermaid flowchart: one box per layer, one arrow per dependency."""
    by_layer = [sorted(key for key in graph if layer_of(key) == layer) for layer in LAYERS]
    lines = ["flowchart LR"]
    for layer, keys in zip(LAYERS, by_layer, strict=True):
        if keys:
            lines += [f"  subgraph {layer}", *(f"    {key}" for key in keys), "  end"]
    for keys in by_layer:
        lines += [f"  {upstream} --> {key}" for key in keys for upstream in sorted(graph[key])]
    return "\n".join(lines)


def readme_section(graph: Mapping[str, Sequence[str]]) -> str:
    """The README block between the markers."""
    return f"{START_MARKER}\n```mermaid\n{mermaid(graph)}\n```\n{END_MARKER}"


def update_readme(readme: Path, graph: Mapping[str, Sequence[str]]) -> bool:
    """Refresh the diagram between the README's markers; False when there are no markers."""
    if not readme.is_file():
        return False
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(START_MARKER), text.find(END_MARKER)
    if start == -1 or end < start:
        return False
    updated = text[:start] + readme_section(graph) + text[end + len(END_MARKER) :]
    if updated != text:
        replace_file(readme, updated)
    return True
