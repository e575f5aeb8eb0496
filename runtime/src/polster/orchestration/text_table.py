"""Aligned text columns for the terminal: the one table format every command prints."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Collection[int] = ()
) -> str:
    """`rows` under `headers`, each column as wide as its widest cell.

    Columns whose index is in `right` are right-aligned (numbers); the last column is
    never padded, so lines carry no trailing spaces.
    """
    table = [list(headers), *(list(row) for row in rows)]
    widths = [max(len(row[column]) for row in table) for column in range(len(headers))]
    return "\n".join(
        "  ".join(
            cell.rjust(width) if column in right else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    )
