"""The I/O floor: read the bronze Delta table and write it once, nothing else.

python io_floor.py BRONZE_TABLE DATA_DIR
"""

import sys

import polars as pl


def main(bronze: str, data: str) -> None:
    pl.scan_delta(bronze).sink_delta(f"{data}/copy/bronze", mode="overwrite")


if __name__ == "__main__":
    main(*sys.argv[1:3])
