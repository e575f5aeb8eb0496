"""What a Delta table takes in memory once fully materialized, printed as JSON.

    python table_size.py TABLE

`arrow_bytes` counts every Arrow buffer of the collected table (string views included);
`estimated_bytes` is Polars' own estimate, which leaves the 16-byte views out.
"""

import json
import sys

import polars as pl


def main(table: str) -> None:
    frame = pl.read_delta(table)
    arrow = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    sizes = {"rows": frame.height, "arrow_bytes": arrow.nbytes}
    print(json.dumps({**sizes, "estimated_bytes": frame.estimated_size()}))


if __name__ == "__main__":
    main(sys.argv[1])
