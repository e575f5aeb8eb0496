"""How a write may change its table's columns: it evolves the table's schema where every
version stays readable, and refuses, in one line, where it would not.

| write mode       | added column               | removed column                  | retyped column |
|------------------|----------------------------|---------------------------------|----------------|
| overwrite        | the new schema is the table's (older versions keep theirs)                   |
| append           | added; older rows null     | kept; the new rows null         | refused        |
| merge            | added; older rows null     | kept; matched rows keep theirs  | refused        |
| partition        | added; other partitions null | kept; this partition null     | refused        |

A declared SCHEMA wins: a column the table would keep but the SCHEMA does not declare is
refused too. Types are compared as Delta Lake stores them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from polster.contract.partitions import PARTITION_COLUMN
from polster.contract.quality import compare_schemas
from polster.core import publish
from polster.core.storage.outcomes import StorageError

VERBS = {"append": "appended to", "merge": "merged into", "partition": "written"}


@dataclass(frozen=True)
class Evolution:
    """The table's columns after a write, and how they differ from the new rows'."""

    schema: pl.Schema  # what readers see once the write is committed
    added: tuple[str, ...] = ()  # new columns: the rows already there read null
    missing: tuple[str, ...] = ()  # kept columns the new rows lack: null in those rows
    # An append that adds columns: delta-rs writes the rows again, with the schema change,
    # in one commit (the staged file cannot carry one), and the staged file goes.
    rewritten: bool = False

    def notes(self, key: str) -> list[str]:
        """What the write did to the table's columns, in words (none for an overwrite)."""
        return [
            *(
                f"added column {name} ({self.schema[name]}) to {key}: the rows already "
                "there read null in it"
                for name in self.added
            ),
            *(
                f"the new rows of {key} have no column {name}: the table keeps it, null in "
                "those rows"
                for name in self.missing
            ),
        ]


def evolve(
    key: str,
    mode: str,
    table: pl.Schema | None,
    incoming: pl.Schema,
    declared: Mapping[str, pl.DataType] | None = None,
) -> Evolution:
    """The table's schema once `incoming` rows are written with `mode` (overwrite, append,
    merge or partition) into a table of schema `table` (None: no table yet).

    Raises StorageError naming the column and both types where the change would make
    the table unreadable (a retyped column that is not an overwrite)."""
    if table is None or mode == "overwrite":
        return Evolution(incoming)
    if mode == "partition":  # the partition column is in the log, not in the files
        table = pl.Schema({n: t for n, t in table.items() if n != PARTITION_COLUMN})
    added, removed, retyped = compare_schemas(_stored(table), _stored(incoming))
    verb = VERBS.get(mode, mode)
    if retyped:
        name = retyped[0][0]
        others = f" (and {', '.join(n for n, _, _ in retyped[1:])})" if retyped[1:] else ""
        msg = (
            f"{key} cannot be {verb}: column {name} is {incoming[name]} in the new rows but "
            f"{table[name]} in the table{others}, whose older rows cannot change type. Cast it "
            f"to {table[name]} in src/core/{key.removesuffix('__rejected')}.py, or rewrite the "
            "table whole (delete its folder, then materialize it again); nothing was written"
        )
        raise StorageError(msg)
    undeclared = [name for name in removed if declared is not None and name not in declared]
    if undeclared:
        msg = (
            f"{key} cannot be {verb}: its table has column(s) {', '.join(undeclared)}, which "
            f"are not in its SCHEMA (src/core/{key}.py); older rows hold them. Declare them "
            "in SCHEMA, or rewrite the table whole (delete its folder, then materialize it "
            "again); nothing was written"
        )
        raise StorageError(msg)
    schema = pl.Schema({**table, **{name: incoming[name] for name in added}})
    rewritten = mode == "append" and bool(added)
    return Evolution(schema, tuple(added), tuple(removed), rewritten)


def _stored(schema: pl.Schema) -> dict[str, str]:
    """Each column's type as Delta Lake stores it (a Categorical is a string, ...)."""
    if not schema:
        return {}
    return {field.name: str(field.type) for field in publish.delta_schema(schema).fields}
