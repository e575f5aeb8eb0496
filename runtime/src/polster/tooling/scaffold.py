"""Source code for a new asset's two files: a working core module and its Dagster wrapper.

Pure functions from names to text, filled into the templates of polster/tooling/scaffolds/.
Each scaffold returns a valid frame built from its upstreams, so the pipeline keeps running
until the user writes the real logic, and the text is already formatted the way
`ruff format` wants it.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

from polster.contract.layers import COMPUTE_FUNCTION
from polster.tooling import scaffolds

LINE_LENGTH = 100
INDENT = "    "

BODIES = {
    "bronze": """\
    # Replace this sample with your source: pl.read_csv(...), pl.read_database(...), an API...
    return pl.DataFrame({{"id": [1, 2, 3], "value": ["a", "b", "c"]}})
""",
    "silver": """\
    # Replace this with your cleaning rules; for now it passes its first upstream through.
    return {first}
""",
    "gold": """\
    # Replace this with your metrics; for now it counts the rows of its upstreams.
    row_counts = [
{entries}
    ]
    return pl.concat(row_counts).select(pl.col("len").sum().alias("upstream_rows"))
""",
}

# How each run's rows become the next version of the table (--write-mode).
WRITE_MODE_LINES = {
    "append": (
        "# Each run adds its rows to the table, as one commit recording the run (README.md,\n"
        "# Write modes).\n"
        'WRITE_MODE = "append"\n'
    ),
    "merge": (
        "# Each run upserts its rows by MERGE_KEY: new keys are inserted, known keys updated\n"
        "# (README.md, Write modes). The key must be unique among the rows a run returns.\n"
        "# To delete keys too, return a boolean column and name it: rows where it is true\n"
        "# delete their key (the flag is not stored).\n"
        '# MERGE_DELETE = "is_deleted"\n'
        'WRITE_MODE = "merge"\n'
    ),
}

# How a partitioned asset's runs split its table (--partitions).
PARTITIONS_LINES = """\
# Partitioned {cadence} (README.md, Incremental pipelines): each run writes one partition,
# named by the first day of its window, and replaces exactly that partition's rows.{restricted}
PARTITIONS = "{cadence}"
PARTITIONS_START = "{start}"

"""
RESTRICTED = """
# Upstream tables partitioned the same way (or more finely) arrive restricted to the
# partition's window; unpartitioned ones arrive whole."""
PARTITIONED_BRONZE_BODY = """\
    # Replace this sample with your source, read for `partition`: e.g. that day's files,
    # or an API query from `partition` to the next window.
    return pl.DataFrame({"id": [1, 2, 3], "value": ["a", "b", "c"], "day": [partition] * 3})
"""


def default_description(layer: str, name: str) -> str:
    """A first description, until the user writes a better one."""
    words = name.replace("_", " ")
    return {
        "bronze": f"Raw {words}, as received from the source.",
        "silver": f"Cleaned and validated {words}.",
        "gold": f"Business metrics: {words}.",
    }[layer]


def core_module_source(
    layer: str,
    name: str,
    upstreams: Sequence[str],
    description: str | None = None,
    write_mode: str | None = None,
    merge_key: Sequence[str] = (),
    partitions: tuple[str, str] | None = None,
) -> str:
    """The core module of a new asset `<layer>_<name>` (with its WRITE_MODE, if given, and
    its PARTITIONS: (cadence, first partition))."""
    function = COMPUTE_FUNCTION[layer]
    text = description or default_description(layer, name)
    body = BODIES[layer].format(
        first=upstreams[0] if upstreams else "",
        entries="\n".join(f"{INDENT * 2}{key}.select(pl.len())," for key in upstreams),
    )
    imports = "import polars as pl\n\n"
    partition_lines = ""
    takes_partition = partitions is not None and layer == "bronze"  # it reads its source by day
    if partitions is not None:
        cadence, start = partitions
        restricted = RESTRICTED if upstreams else ""
        partition_lines = PARTITIONS_LINES.format(
            cadence=cadence, start=start, restricted=restricted
        )
    if takes_partition:
        imports = "from datetime import date\n\n" + imports
        body = PARTITIONED_BRONZE_BODY
    return scaffolds.render(
        "asset.py.tmpl",
        title=f"{layer.capitalize()} asset {layer}_{name}.",
        imports=imports,
        partitions=partition_lines,
        write_mode=_write_mode_lines(write_mode, merge_key),
        signature=_signature(function, layer, upstreams, takes_partition),
        docstring=_docstring(text),
        body=body,
        function=function,
    )


def _write_mode_lines(write_mode: str | None, merge_key: Sequence[str]) -> str:
    if write_mode is None or write_mode == "overwrite":
        return ""
    lines = WRITE_MODE_LINES[write_mode]
    if merge_key:
        columns = ", ".join(json.dumps(column) for column in merge_key)
        lines += f"MERGE_KEY = ({columns}{',' if len(merge_key) == 1 else ''})\n"
    return f"{lines}\n"


def wrapper_source(layer: str, name: str) -> str:
    """The Dagster wrapper of a new asset `<layer>_<name>`."""
    key = f"{layer}_{name}"
    return scaffolds.render("wrapper.py.tmpl", key=key, function=COMPUTE_FUNCTION[layer])


def _signature(
    function: str, layer: str, upstreams: Sequence[str], takes_partition: bool = False
) -> str:
    returns = "pl.DataFrame" if layer == "bronze" else "pl.LazyFrame"
    parameters = [f"{key}: pl.LazyFrame" for key in upstreams]
    if takes_partition:
        parameters.append("partition: date")
    one_line = f"def {function}({', '.join(parameters)}) -> {returns}:"
    if len(one_line) <= LINE_LENGTH:
        return one_line
    # One parameter per line with a trailing comma: the layout ruff keeps as it is.
    lines = "".join(f"{INDENT}{parameter},\n" for parameter in parameters)
    return f"def {function}(\n{lines}) -> {returns}:"


def _docstring(text: str) -> str:
    """A function docstring, wrapped to the line length, quotes escaped."""
    text = " ".join(text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').split())
    lines = textwrap.wrap(text, width=LINE_LENGTH - len(INDENT) - 6) or [""]
    if lines[-1].endswith('"'):
        lines[-1] += " "  # keep a closing quote of the text apart from the docstring's
    if len(lines) == 1:
        return f'{INDENT}"""{lines[0]}"""'
    rest = "".join(f"{INDENT}{line}\n" for line in lines[1:])
    return f'{INDENT}"""{lines[0]}\n{rest}{INDENT}"""'
