"""What the catalog shows, as plain data: built by collect.py, turned into HTML by render.py.

Nothing here reads a file or a table, so that the pages can be tested on hand-made models.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Upstream:
    """One upstream column a column is computed from."""

    asset: str
    column: str


@dataclass(frozen=True)
class Histogram:
    """Counts of a numeric column's values in equal-width bins from `low` to `high`."""

    low: float
    high: float
    counts: tuple[int, ...]


@dataclass(frozen=True)
class ColumnProfile:
    """A column on the table's current version (or the rows profiled of it)."""

    nulls: int
    distinct: int | None = None
    minimum: str | None = None
    maximum: str | None = None
    histogram: Histogram | None = None


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # the Polars type, as Polars prints it; "" when unknown
    description: str = ""
    # Value lineage: the upstream columns its values come from. None: not derived (a
    # bronze column, or lineage that could not be read); () with `opaque`: hidden.
    upstreams: tuple[Upstream, ...] | None = None
    opaque: bool = False  # an opaque step (map_elements, a UDF...) hides its lineage
    declared: bool = False  # its lineage is the module's LINEAGE declaration
    # The upstream columns that decide which rows or groups it has (filters, join and
    # group_by keys): not where its values come from, shown apart.
    decided_by: tuple[Upstream, ...] = ()
    profile: ColumnProfile | None = None


@dataclass(frozen=True)
class Profile:
    """The table's current version, profiled (see profile.py for the bounds)."""

    version: int
    rows: int  # the table's rows
    profiled_rows: int  # the rows profiled: all of them, or the first PROFILE_ROWS
    seconds: float
    columns: dict[str, ColumnProfile] = field(default_factory=dict)

    @property
    def sampled(self) -> bool:
        return self.profiled_rows < self.rows


@dataclass(frozen=True)
class CheckResult:
    name: str
    description: str
    blocking: bool
    status: str  # passed | failed | not run
    run_id: str | None = None  # the run that last evaluated it
    detail: str = ""


@dataclass(frozen=True)
class Version:
    """One commit of the table's Delta log."""

    version: int
    written_at: str  # YYYY-MM-DD HH:MM:SS, local time
    operation: str
    written_by: str
    rows: int | None = None
    partition: str | None = None


@dataclass(frozen=True)
class Freshness:
    """The table's current version: when, by which run, in which environment."""

    version: int
    written_at: str
    run_id: str  # the Dagster run id, or "standalone"
    environment: str
    rows: int


@dataclass(frozen=True)
class Asset:
    key: str
    layer: str
    description: str = ""
    owners: tuple[str, ...] = ()
    upstreams: tuple[str, ...] = ()
    downstreams: tuple[str, ...] = ()
    partitions: str | None = None  # "daily from 2024-01-01: 31 written (2024-01-01 ... )"
    write_mode: str = "overwrite"
    # The table: None = never materialized; `unreadable` says why it cannot be read.
    freshness: Freshness | None = None
    unreadable: str | None = None
    columns: tuple[Column, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    quarantined: int | None = None  # rows in <key>__rejected, when it has that table
    history: tuple[Version, ...] = ()
    profile: Profile | None = None
    notes: tuple[str, ...] = ()  # one line each: what could not be read, COLUMNS warnings

    @property
    def materialized(self) -> bool:
        return self.freshness is not None


@dataclass(frozen=True)
class Catalog:
    project: str
    environment: str
    generated_at: str
    assets: dict[str, Asset]
    profile_rows: int = 0  # the bound on profiled rows (0: no profiles)
