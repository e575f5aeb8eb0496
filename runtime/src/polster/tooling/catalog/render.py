"""The catalog as static pages: the model in, {relative path: text} out.

index.html (the graph and every asset), assets/<key>.html (one page per asset: columns with
their lineage and profile, checks, quarantine, freshness, history) and data.js (the column
lineage for catalog.js to trace across layers). Every text from the project is escaped; the
pages load only catalog.css and catalog.js, shipped beside them.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import quote

import polster.tooling.catalog.graph as graph
from polster.contract.layers import LAYERS
from polster.tooling.catalog.model import (
    Asset,
    Catalog,
    Column,
    ColumnProfile,
    Histogram,
    Upstream,
)

STATIC_FILES = ("catalog.css", "catalog.js")
NONE = "&#8211;"  # an en dash: nothing to show (an HTML entity, so the source stays ASCII)


def pages(catalog: Catalog) -> dict[str, str]:
    """Every generated file of the site, by its path relative to the site's root."""
    files = {"index.html": index_page(catalog), "data.js": data_script(catalog)}
    for asset in catalog.assets.values():
        files[f"assets/{asset.key}.html"] = asset_page(catalog, asset)
    return files


def page(title: str, body: str, root: str, catalog: Catalog) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="polster docs">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{root}catalog.css">
</head>
<body>
<header class="top"><a class="home" href="{root}index.html">{escape(catalog.project)}</a>
<span class="meta">environment <b>{escape(catalog.environment)}</b> ·
generated {escape(catalog.generated_at)} by <code>polster docs</code></span></header>
<main>
{body}
</main>
<script src="{root}data.js"></script>
<script src="{root}catalog.js"></script>
</body>
</html>
"""


def or_none(text: str | None) -> str:
    return escape(text) if text else NONE


def asset_href(key: str, root: str = "") -> str:
    return f"{root}assets/{key}.html"


def column_anchor(name: str) -> str:
    return f"column-{name}"


def column_href(asset: str, column: str, root: str) -> str:
    return f"{asset_href(asset, root)}#{quote(column_anchor(column), safe='')}"


def index_page(catalog: Catalog) -> str:
    assets = catalog.assets
    svg = graph.svg({key: asset.upstreams for key, asset in assets.items()}, asset_href)
    rows = "".join(index_row(asset) for asset in assets.values())
    body = f"""<h1>{escape(catalog.project)}: data catalog</h1>
<p class="lead">{len(assets)} asset(s), bronze → silver → gold. Click an asset for its columns,
their lineage, checks and profile; click a column's source to follow it upstream.</p>
<input id="search" type="search" placeholder="Filter assets and columns…" aria-label="Filter">
<section class="graph-box" id="graph">{svg}</section>
<table class="assets" id="assets">
<thead><tr><th>asset</th><th>layer</th><th>description</th><th>last written</th>
<th class="num">rows</th><th>checks</th></tr></thead>
<tbody>{rows}</tbody>
</table>"""
    return page(f"{catalog.project} catalog", body, "", catalog)


def index_row(asset: Asset) -> str:
    words = " ".join([asset.key, asset.description, *(column.name for column in asset.columns)])
    return (
        f'<tr class="asset-row" data-asset="{escape(asset.key)}" '
        f'data-search="{escape(words.lower())}">'
        f'<td><a href="{asset_href(asset.key)}">{escape(asset.key)}</a></td>'
        f'<td><span class="layer {asset.layer}">{asset.layer}</span></td>'
        f"<td>{escape(first_line(asset.description))}</td>"
        f"<td>{state_cell(asset)}</td>"
        f'<td class="num">{rows_text(asset)}</td>'
        f"<td>{checks_cell(asset)}</td></tr>"
    )


def first_line(text: str) -> str:
    return text.strip().split("\n\n", 1)[0].replace("\n", " ")


def state_cell(asset: Asset) -> str:
    if asset.unreadable and not asset.freshness:
        return '<span class="bad">unreadable</span>'
    if asset.freshness is None:
        return '<span class="never">never materialized</span>'
    return escape(asset.freshness.written_at)


def rows_text(asset: Asset) -> str:
    return f"{asset.freshness.rows:,}" if asset.freshness else NONE


def checks_cell(asset: Asset) -> str:
    if not asset.checks:
        return NONE
    counts = {
        status: sum(check.status == status for check in asset.checks)
        for status in ("passed", "failed", "not run")
    }
    css = "bad" if counts["failed"] else "good" if counts["passed"] else "never"
    text = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
    return f'<span class="{css}">{text}</span>'


def asset_page(catalog: Catalog, asset: Asset) -> str:
    root = "../"
    links = " ".join(
        f'<a class="layer {layer_name(key)}" href="{asset_href(key, root)}">{escape(key)}</a>'
        for key in asset.upstreams
    )
    used_by = " ".join(
        f'<a class="layer {layer_name(key)}" href="{asset_href(key, root)}">{escape(key)}</a>'
        for key in asset.downstreams
    )
    facts = [
        ("layer", f'<span class="layer {asset.layer}">{asset.layer}</span>'),
        ("owners", escape(", ".join(asset.owners)) or NONE),
        ("partitions", escape(asset.partitions or "not partitioned")),
        ("write mode", escape(asset.write_mode)),
        ("depends on", links or NONE),
        ("used by", used_by or NONE),
    ]
    body = [
        f'<h1 id="asset" data-asset="{escape(asset.key)}">{escape(asset.key)}</h1>',
        f'<p class="description">{escape(asset.description) or "<i>no docstring</i>"}</p>',
        '<dl class="facts">'
        + "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
        + "</dl>",
        freshness_section(asset),
        *(
            [
                '<ul class="notes">'
                + "".join(f'<li class="note">{escape(note)}</li>' for note in asset.notes)
                + "</ul>"
            ]
            if asset.notes
            else []
        ),
        '<section id="trace" class="trace" hidden></section>',
        columns_section(asset, root),
        checks_section(asset),
        history_section(asset),
    ]
    return page(f"{asset.key} · {catalog.project}", "\n".join(body), root, catalog)


def layer_name(key: str) -> str:
    return next((layer for layer in LAYERS if key.startswith(f"{layer}_")), "")


def freshness_section(asset: Asset) -> str:
    if asset.unreadable:
        return f'<p class="state bad" id="state">Cannot be read: {escape(asset.unreadable)}</p>'
    if asset.freshness is None:
        return (
            '<p class="state never" id="state">Never materialized: its table does not exist '
            "yet (<code>make run</code> writes it).</p>"
        )
    fresh = asset.freshness
    quarantine = (
        f' · <span id="quarantine">{asset.quarantined:,} row(s) quarantined in '
        f"{escape(asset.key)}__rejected</span>"
        if asset.quarantined is not None
        else ""
    )
    return (
        f'<p class="state good" id="state">Version {fresh.version}, written '
        f"{escape(fresh.written_at)} by run <code>{escape(fresh.run_id)}</code> in "
        f"<b>{escape(fresh.environment)}</b> · {fresh.rows:,} rows{quarantine}</p>"
    )


def columns_section(asset: Asset, root: str) -> str:
    if not asset.columns:
        return '<h2>Columns</h2><p class="never">No columns known yet.</p>'
    profile = asset.profile
    caption = ""
    if profile is not None:
        caption = (
            f"Profile of version {profile.version}: "
            + (
                f"the first {profile.profiled_rows:,} of {profile.rows:,} rows"
                if profile.sampled
                else f"all {profile.rows:,} rows"
            )
            + f", in {profile.seconds:.2f} s"
        )
    rows = "".join(column_row(asset, column, root) for column in asset.columns)
    return f"""<h2>Columns</h2>
<p class="caption" id="profile-caption">{escape(caption)}</p>
<table class="columns" id="columns">
<thead><tr><th>column</th><th>type</th><th>description</th><th>computed from</th>
<th class="num">nulls</th><th class="num">distinct</th><th>min</th><th>max</th>
<th>histogram</th></tr></thead>
<tbody>{rows}</tbody>
</table>"""


def column_row(asset: Asset, column: Column, root: str) -> str:
    anchor = column_anchor(column.name)
    profile = column.profile or ColumnProfile(nulls=-1)
    rows = asset.profile.profiled_rows if asset.profile else 0
    nulls = f"{profile.nulls / rows:.1%}" if rows and profile.nulls >= 0 else NONE
    distinct = f"{profile.distinct:,}" if profile.distinct is not None else NONE
    return (
        f'<tr class="column" id="{escape(anchor)}" data-column="{escape(column.name)}">'
        f'<td><a class="column-name" href="#{escape(quote(anchor, safe=""))}">'
        f"{escape(column.name)}</a></td>"
        f"<td><code>{escape(column.dtype) or '?'}</code></td>"
        f"<td>{escape(column.description)}</td>"
        f"<td>{lineage_cell(column, root, asset.layer)}</td>"
        f'<td class="num">{nulls}</td><td class="num">{distinct}</td>'
        f"<td>{or_none(profile.minimum)}</td><td>{or_none(profile.maximum)}</td>"
        f"<td>{histogram_svg(profile.histogram) if profile.histogram else ''}</td></tr>"
    )


def lineage_cell(column: Column, root: str, layer: str) -> str:
    if column.opaque:
        return '<span class="never">unknown: an opaque step (a UDF…) computes it</span>'
    if column.upstreams is None:
        return '<span class="never">the source</span>' if layer == "bronze" else NONE
    values = (
        upstream_links(column.upstreams, root, "upstream")
        if column.upstreams
        else '<span class="never">no input column (a count, a literal)</span>'
    )
    if column.declared:
        values += ' <span class="never">(declared in LINEAGE)</span>'
    if column.decided_by:
        values += (
            '<div class="decided-by never">rows chosen by '
            f"{upstream_links(column.decided_by, root, 'filter')}</div>"
        )
    return values


def upstream_links(upstreams: tuple[Upstream, ...], root: str, css: str) -> str:
    return " ".join(
        f'<a class="{css}" data-asset="{escape(up.asset)}" data-column="{escape(up.column)}" '
        f'href="{escape(column_href(up.asset, up.column, root))}">'
        f"{escape(up.asset)}.{escape(up.column)}</a>"
        for up in upstreams
    )


def histogram_svg(histogram: Histogram, width: int = 120, height: int = 28) -> str:
    highest = max(histogram.counts) or 1
    bar = width / len(histogram.counts)
    bars = "".join(
        f'<rect x="{index * bar:.1f}" y="{height - height * count / highest:.1f}" '
        f'width="{bar - 1:.1f}" height="{height * count / highest:.1f}">'
        f"<title>{count:,}</title></rect>"
        for index, count in enumerate(histogram.counts)
    )
    label = f"{histogram.low:.6g} to {histogram.high:.6g}"
    return (
        f'<svg class="histogram" width="{width}" '
        f'height="{height}" role="img" aria-label="histogram from {escape(label)}">'
        f"{bars}</svg>"
    )


def checks_section(asset: Asset) -> str:
    if not asset.checks:
        return '<h2>Checks</h2><p class="never">No CHECKS declared.</p>'
    rows = "".join(
        f'<tr class="check {check.status.replace(" ", "-")}" data-check="{escape(check.name)}">'
        f"<td>{escape(check.name)}</td><td>{escape(check.description)}</td>"
        f"<td>{'blocking' if check.blocking else 'warning'}</td>"
        f'<td class="status">{escape(check.status)}</td>'
        f"<td>{escape(check.detail)}</td><td><code>{or_none(check.run_id)}</code></td></tr>"
        for check in asset.checks
    )
    return f"""<h2>Checks</h2>
<table class="checks" id="checks"><thead><tr><th>check</th><th>rule</th><th>kind</th>
<th>latest result</th><th>detail</th><th>run</th></tr></thead><tbody>{rows}</tbody></table>"""


def history_section(asset: Asset) -> str:
    if not asset.history:
        return ""
    rows = "".join(
        f"<tr><td class='num'>{entry.version}</td><td>{escape(entry.written_at)}</td>"
        f"<td>{escape(entry.operation)}</td><td>{or_none(entry.partition)}</td>"
        f"<td class='num'>{NONE if entry.rows is None else f'{entry.rows:,}'}</td>"
        f"<td><code>{escape(entry.written_by)}</code></td></tr>"
        for entry in asset.history
    )
    return f"""<h2>Delta history</h2>
<table class="history" id="history"><thead><tr><th class="num">version</th><th>written at</th>
<th>operation</th><th>partition</th><th class="num">rows</th><th>written by</th></tr></thead>
<tbody>{rows}</tbody></table>"""


def data_script(catalog: Catalog) -> str:
    """The column lineage of every asset, for catalog.js (a script, since a page opened
    from file:// may not fetch JSON)."""
    data = {
        "assets": {
            key: {
                "layer": asset.layer,
                "columns": {
                    column.name: {
                        "from": None
                        if column.upstreams is None
                        else [[up.asset, up.column] for up in column.upstreams],
                        "opaque": column.opaque,
                    }
                    for column in asset.columns
                },
            }
            for key, asset in catalog.assets.items()
        }
    }
    # ensure_ascii and escaped "<": plain ASCII that no HTML parser can end early.
    text = json.dumps(data, ensure_ascii=True, sort_keys=True).replace("<", "\\u003c")
    return f"window.POLSTER_CATALOG = {text};\n"
