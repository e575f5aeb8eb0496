"""The asset graph as inline SVG, laid out in Python: one column per layer, bronze -> gold."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from html import escape

from polster.contract.layers import LAYERS, layer_of

NODE_WIDTH, NODE_HEIGHT = 190, 34
COLUMN_GAP, ROW_GAP, MARGIN, HEADER = 90, 18, 16, 28


def positions(graph: Mapping[str, Sequence[str]]) -> dict[str, tuple[int, int]]:
    """The top-left corner of each asset's box: its layer's column, in name order."""
    placed = {}
    for column, layer in enumerate(LAYERS):
        keys = sorted(key for key in graph if layer_of(key) == layer)
        for row, key in enumerate(keys):
            x = MARGIN + column * (NODE_WIDTH + COLUMN_GAP)
            y = MARGIN + HEADER + row * (NODE_HEIGHT + ROW_GAP)
            placed[key] = (x, y)
    return placed


def svg(graph: Mapping[str, Sequence[str]], href: Callable[[str], str]) -> str:
    """The graph (asset -> its upstream assets) as an <svg> element; each box links to
    `href(key)`, each edge carries data-from/data-to for catalog.js to highlight."""
    placed = positions(graph)
    rows = max((sum(1 for key in graph if layer_of(key) == layer) for layer in LAYERS), default=0)
    width = 2 * MARGIN + len(LAYERS) * NODE_WIDTH + (len(LAYERS) - 1) * COLUMN_GAP
    height = 2 * MARGIN + HEADER + max(rows, 1) * (NODE_HEIGHT + ROW_GAP)
    parts = [
        f'<svg class="graph" role="img" '
        f'aria-label="Asset graph" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#9ca3af"/></marker>'
        "</defs>",
    ]
    for column, layer in enumerate(LAYERS):
        x = MARGIN + column * (NODE_WIDTH + COLUMN_GAP) + NODE_WIDTH // 2
        parts.append(
            f'<text class="layer-title" x="{x}" y="{MARGIN + 14}" text-anchor="middle">'
            f"{layer}</text>"
        )
    for key in sorted(placed):
        for upstream in sorted(graph[key]):
            if upstream not in placed:
                continue
            (x1, y1), (x2, y2) = placed[upstream], placed[key]
            x1, y1, y2 = x1 + NODE_WIDTH, y1 + NODE_HEIGHT // 2, y2 + NODE_HEIGHT // 2
            middle = (x1 + x2) // 2
            parts.append(
                f'<path class="edge" data-from="{escape(upstream)}" data-to="{escape(key)}" '
                f'd="M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}" '
                'marker-end="url(#arrow)"/>'
            )
    for key, (x, y) in sorted(placed.items()):
        label = key if len(key) <= 26 else key[:25] + "…"
        parts.append(
            f'<a class="node {layer_of(key)}" data-asset="{escape(key)}" '
            f'href="{escape(href(key))}"><title>{escape(key)}</title>'
            f'<rect x="{x}" y="{y}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="6"/>'
            f'<text x="{x + NODE_WIDTH // 2}" y="{y + NODE_HEIGHT // 2 + 5}" '
            f'text-anchor="middle">{escape(label)}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)
