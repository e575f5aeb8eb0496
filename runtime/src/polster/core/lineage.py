"""Column-level lineage, read from the Polars plan of an asset's compute function.

The compute function runs once on placeholder frames (each upstream's schema, no rows:
nothing is read), and the plan it returns is read node by node: which upstream columns
each output column's VALUES are computed from. That is value lineage (OpenLineage's
"direct" lineage): a filter predicate, a join key, a group_by key or an `over()`
partition decides which rows or groups there are, not what a value is, so it is not a
dependency of the columns it keeps; those are reported apart, in `filters`. (`over()`
partitions are group_by keys for one expression: `sum(amount).over(country)` is a sum of
amounts, as `group_by(country).agg(sum(amount))` is.) Within one
expression every input column is a value dependency: the condition of a when/then, the
predicate of an expression's own `.filter()`, the keys of `sort_by`, the indices of
`gather`, the `order_by` of a window (`sum(amount) where status == "paid"` depends on
status and amount). Sorting and slicing a frame change no value.

A step Polars cannot show (map_elements, map_batches, a Python UDF, list.eval, map_groups)
or a frame or Series made in Python (an eager detour: collect(), then .lazy(), or a
collected column in `is_in()`; one written in the code looks the same) hides where its
columns come from: they are `unknown`, never guessed. (A Python scalar computed eagerly,
`.collect().item()`, is a constant to the plan: that one cannot be seen; nor can a plan
that depends on the data, which is read as it is for no rows: a column per value found
is not in it, and the materialization names it unknown.)
A module names their sources itself with
`LINEAGE = {"score": ["silver_orders.amount"]}` (polster.contract.declaration).

How the plan is read: Polars' internal IR through its NodeTraverser
(`LazyFrame._ldf.visit()`, the interface the GPU engine cudf-polars reads), built with
every optimization off so the plan is the code as written. The IR has what the code
leaves implicit already resolved: `pl.all()`, selectors and `exclude` are expanded,
aliases are output names, renames are projections, joins carry their resolved options.
(The plan's JSON form is deprecated in Polars 2.1 and leaves all of that to the reader;
the expression `meta` API sees one expression, not the frame steps around it.)
The traverser has a version; only SUPPORTED_IR_VERSIONS are read. Another version (a
Polars upgrade) makes every column unknown with one warning, and the tests fail
(runtime/tests/test_lineage.py) until the cases are checked against it and the version
added. A node or expression this module does not know does the same for the columns
it touches.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import polars as pl
from polars.exceptions import PanicException
from polars.io.plugins import register_io_source

from polster.contract.declaration import (
    DeclarationError,
    asset_key_of,
    declared_lineage_of,
    partitioning_of,
    takes_partition,
    upstream_keys_of,
)
from polster.contract.layers import PARTITION_PARAMETER
from polster.contract.quality import Quarantined

SUPPORTED_IR_VERSIONS = frozenset({(16, 0)})  # NodeTraverser.version() of Polars 2.1
# What a Literal holds for a Series made in Python (a list or a number is itself).
PY_SERIES = type(pl.Series()._s)

Dep = tuple[str, str]  # (upstream asset key, upstream column)


@dataclass(frozen=True)
class ColumnLineage:
    """Where an asset's output columns come from, as far as its plan shows."""

    # Output column -> sorted upstream (asset, column)s its values are computed from;
    # () for a column computed from no input column (a literal, a row index).
    columns: Mapping[str, tuple[Dep, ...]]
    # Output columns an opaque step hides and the module does not declare (LINEAGE).
    unknown: tuple[str, ...]
    # Output column -> the upstream columns that decide which rows or groups it has
    # (frame filters, join keys, group_by keys, over() partitions, distinct subsets).
    filters: Mapping[str, tuple[Dep, ...]] = field(default_factory=dict)
    # Output columns whose lineage is the module's LINEAGE declaration.
    declared: tuple[str, ...] = ()
    # True when columns come from outside the project's assets (a bronze source, a file
    # scanned in the code): those have no asset dependencies. For an asset without
    # upstreams, `columns` is then empty: its compute function is not called (it may
    # reach a source), and every column it writes comes from that source.
    from_source: bool = False
    # Why the plan could not be read (another Polars IR version, a node not known): ""
    # when it was.
    note: str = ""


class LineageWarning(UserWarning):
    """The plan could not be read: its columns are reported unknown, never guessed."""


def lineage_of(
    compute: Callable[..., object], upstream_schemas: Mapping[str, pl.Schema]
) -> ColumnLineage:
    """The column lineage of `compute`, given the schema of each of its upstream tables.

    A LINEAGE declaration of the module fills in (and overrides) what the plan shows;
    it is checked against `upstream_schemas` (DeclarationError naming the file).
    """
    key = asset_key_of(compute)
    declared = declared_lineage_of(compute)
    upstreams = upstream_keys_of(compute)
    missing = [upstream for upstream in upstreams if upstream not in upstream_schemas]
    if missing:
        msg = f"lineage of {key}: no schema for its upstream {', '.join(missing)}"
        raise ValueError(msg)
    check_declared(key, declared, upstream_schemas)
    if not upstreams:
        return with_declared(ColumnLineage({}, (), from_source=True), declared, key, None)
    placeholders = {
        upstream: placeholder(upstream, pl.Schema(upstream_schemas[upstream]))
        for upstream in upstreams
    }
    inputs: dict[str, object] = dict(placeholders)
    if takes_partition(compute):
        partitioning = partitioning_of(compute)
        inputs[PARTITION_PARAMETER] = partitioning.start if partitioning else None
    output = compute(**inputs)
    if isinstance(output, Quarantined):  # lineage of the rows kept
        output = output.kept
    lazy = getattr(output, "lazy", None)
    if not isinstance(output, pl.DataFrame | pl.LazyFrame) and callable(lazy):
        # A source that reads itself (polster.core.landing.Landing): no asset upstream.
        return with_declared(ColumnLineage({}, (), from_source=True), declared, key, None)
    frame = output.lazy() if isinstance(output, pl.DataFrame) else output
    if not isinstance(frame, pl.LazyFrame):
        msg = f"lineage of {key}: {compute.__name__}() returned {type(output).__name__}"
        raise TypeError(msg)
    lineage = plan_lineage(frame)
    if lineage.note:
        warnings.warn(f"{key}: column lineage unknown: {lineage.note}", LineageWarning, 2)
    return with_declared(lineage, declared, key, frame.collect_schema().names())


def check_declared(
    key: str, declared: Mapping[str, Sequence[Dep]], schemas: Mapping[str, pl.Schema]
) -> None:
    """Every column LINEAGE names exists in its upstream table."""
    for column, deps in declared.items():
        for asset, name in deps:
            if name not in schemas[asset]:
                msg = (
                    f'LINEAGE["{column}"] in src/core/{key}.py names {asset}.{name}, but '
                    f"{asset} has no column {name} (it has {', '.join(schemas[asset])})"
                )
                raise DeclarationError(msg)


def with_declared(
    lineage: ColumnLineage,
    declared: Mapping[str, tuple[Dep, ...]],
    key: str,
    output: Sequence[str] | None,
) -> ColumnLineage:
    """`lineage` with the module's LINEAGE entries filled in; they win over the plan."""
    if not declared:
        return lineage
    if output is not None:
        strangers = [column for column in declared if column not in output]
        if strangers:
            msg = (
                f"LINEAGE in src/core/{key}.py names {', '.join(strangers)}, not a column "
                f"the function returns (it returns {', '.join(output)})"
            )
            raise DeclarationError(msg)
    columns = dict(lineage.columns) | dict(declared)
    if output is not None:
        columns = {name: columns[name] for name in output if name in columns}
    unknown = tuple(name for name in lineage.unknown if name not in declared)
    return ColumnLineage(
        columns=columns,
        unknown=unknown,
        filters=lineage.filters,
        declared=tuple(declared),
        from_source=lineage.from_source,
        note=lineage.note,
    )


# Placeholder upstream frames: a Python source that yields no rows, so a compute function
# that collects (the quarantine helper does) still runs, and the plan names its upstream.


class Placeholder:
    """The rows of an upstream table, for the plan: none, with its schema."""

    def __init__(self, key: str, schema: pl.Schema) -> None:
        self.key = key
        self.schema = schema

    def __call__(self, with_columns: list[str] | None, *_: object) -> Iterator[pl.DataFrame]:
        yield pl.DataFrame(schema=self.schema).select(with_columns or self.schema.names())


def placeholder(key: str, schema: pl.Schema) -> pl.LazyFrame:
    return register_io_source(Placeholder(key, schema), schema=schema)


def placeholder_of(scan: Any) -> Placeholder | None:
    """The Placeholder a PythonScan node reads, or None for any other Python source."""
    scan_fn = scan.options[0] if isinstance(scan.options, tuple) and scan.options else None
    source = getattr(scan_fn, "io_source", None)
    return source if isinstance(source, Placeholder) else None


# Reading the plan.


class Column(NamedTuple):
    """What the plan shows of one column at one node."""

    value: frozenset[Dep] | None  # its value dependencies; None: unknown
    rows: frozenset[Dep] = frozenset()  # what decides which rows/groups it has
    # A struct built in this plan (pl.struct): each field's own lineage, by field name
    # (in order only, until the struct's type names them: see named_fields).
    fields: Mapping[str, Column] | tuple[Column, ...] | None = None

    def field(self, name: str) -> Column:
        """One field of this struct: its own lineage where the plan built it, else the
        whole struct's."""
        if not isinstance(self.fields, Mapping) or name not in self.fields:
            return Column(self.value, self.rows)
        field = self.fields[name]
        return Column(field.value, field.rows | self.rows, field.fields)


UNKNOWN = Column(None)
Env = dict[str, Column]


class FormatChangedError(Exception):
    """The plan holds something this module does not know: its format changed."""


def ir_version() -> tuple[int, int]:
    """The version of the IR the installed Polars shows through its NodeTraverser."""
    return tuple(pl.LazyFrame()._ldf.visit().version())  # type: ignore[return-value]


def plan_lineage(frame: pl.LazyFrame) -> ColumnLineage:
    """The lineage of every column of `frame` whose upstreams are placeholders."""
    names = frame.collect_schema().names()
    try:
        ldf = frame._ldf.with_optimizations(pl.QueryOptFlags.none()._pyoptflags)
        traverser = ldf.visit()
        version = tuple(traverser.version())
    except Exception as error:  # the private API moved: say so, guess nothing
        return ColumnLineage({}, tuple(names), note=f"Polars' plan cannot be read ({error})")
    if version not in SUPPORTED_IR_VERSIONS:
        note = (
            f"Polars {pl.__version__} shows its plan as IR version {version}; this Polster "
            f"reads {', '.join(map(str, sorted(SUPPORTED_IR_VERSIONS)))}"
        )
        return ColumnLineage({}, tuple(names), note=note)
    reader = PlanReader(traverser)
    try:
        env = reader.node(traverser.get_node())
        if list(env) != names:
            msg = f"the plan gives columns {list(env)}, the frame {names}"
            raise FormatChangedError(msg)
    except (Exception, PanicException) as error:  # a plan not as read: say so, guess nothing
        problem = str(error) if isinstance(error, FormatChangedError) else repr(error)
        return ColumnLineage({}, tuple(names), note=problem)
    columns = {name: tuple(sorted(c.value)) for name, c in env.items() if c.value is not None}
    filters = {name: tuple(sorted(c.rows)) for name, c in env.items() if c.rows}
    return ColumnLineage(
        columns=columns,
        unknown=tuple(name for name, c in env.items() if c.value is None),
        filters=filters,
        from_source=reader.from_source,
        note="; ".join(dict.fromkeys(reader.problems)),
    )


def union(columns: Sequence[Column]) -> Column:
    """A column computed from all of `columns`."""
    values = [c.value for c in columns]
    value = None if None in values else frozenset().union(*values)
    return Column(value, frozenset().union(*(c.rows for c in columns)))


def named_fields(column: Column, dtype: Any) -> Column:
    """A struct the plan built, its fields named as its type names them (the plan shows
    them in order only); any other column as it is."""
    if not isinstance(column.fields, tuple):
        return column
    if isinstance(dtype, pl.Struct) and len(dtype.fields) == len(column.fields):
        names = (f.name for f in dtype.fields)
        return column._replace(fields=dict(zip(names, column.fields, strict=True)))
    return column._replace(fields=None)


def everything(column: Column) -> frozenset[Dep]:
    """All a column depends on, for a step that uses it to decide rows."""
    return (column.value or frozenset()) | column.rows


def with_rows(env: Env, rows: frozenset[Dep]) -> Env:
    return {name: Column(c.value, c.rows | rows, c.fields) for name, c in env.items()}


FIELD_BY_NAME = "StructFunction.FieldByName"  # struct.field("x"), as the IR names it
# Expression nodes: the fields that hold value inputs, and those that group rows.
VALUE_FIELDS = {
    "Agg": ("arguments",),
    "Alias": ("expr",),
    "BinaryExpr": ("left", "right"),
    "Cast": ("expr",),
    "Column": (),
    "Explode": ("expr",),
    "Filter": ("input", "by"),
    "Function": ("input",),
    "Gather": ("expr", "idx"),
    "Len": (),
    "Literal": (),
    "Rolling": ("function",),
    "Slice": ("input", "offset", "length"),
    "Sort": ("expr",),
    "SortBy": ("expr", "by"),
    "Ternary": ("predicate", "truthy", "falsy"),
    "Window": ("function", "order_by"),
}
GROUPING_FIELDS = {"Window": ("partition_by",), "Rolling": ("index_column",)}
# IR nodes: the PlanReader method that reads each.
NODE_READERS = {
    "PythonScan": "python_scan",
    "Scan": "scan",
    "DataFrameScan": "data_frame_scan",
    "Select": "select_step",
    "Reduce": "reduce",
    "HStack": "h_stack",
    "Filter": "filter_step",
    "SimpleProjection": "simple_projection",
    "Sort": "sort_step",
    "Slice": "slice_step",
    "Cache": "cache",
    "Distinct": "distinct",
    "GroupBy": "group_by",
    "Union": "union_step",
    "MergeSorted": "merge_sorted",
    "HConcat": "h_concat",
    "MapFunction": "map_function",
    "Join": "join",
}


class PlanReader:
    """Reads one plan through its NodeTraverser, node by node, bottom up."""

    def __init__(self, traverser: Any) -> None:
        self.traverser = traverser
        self.seen: dict[int, Env] = {}
        self.from_source = False
        # What this module does not read (its columns are unknown): said in one warning.
        self.problems: list[str] = []
        self.structs: list[Column] = []  # the struct a struct.with_fields() evaluates on

    @contextmanager
    def at(self, node: int) -> Iterator[Any]:
        previous = self.traverser.get_node()
        self.traverser.set_node(node)
        try:
            yield self.traverser
        finally:
            self.traverser.set_node(previous)

    def node(self, node: int) -> Env:
        if node not in self.seen:
            self.seen[node] = self.read_node(node)
        return self.seen[node]

    def read_node(self, node: int) -> Env:
        with self.at(node) as traverser:
            names = list(traverser.get_schema())
            try:
                view = traverser.view_current_node()
            except NotImplementedError:  # a Python function over the frame
                return dict.fromkeys(names, UNKNOWN)
            kind = type(view).__name__
            reader = getattr(self, NODE_READERS.get(kind, ""), None)
            if reader is None:
                self.problems.append(f"a {kind} step, which this Polster does not read")
                return dict.fromkeys(names, UNKNOWN)
            env = reader(view, names)
        if list(env) != names:
            msg = f"a {kind} step gives columns {list(env)}, its schema {names}"
            raise FormatChangedError(msg)
        return env

    def expression(self, node: int, env: Env) -> Column:
        try:
            view = self.traverser.view_expression(node)
        except NotImplementedError as error:  # map_elements, map_batches, list.eval...
            if str(error) == "field" and self.structs:  # pl.field() in struct.with_fields()
                return self.structs[-1]
            return UNKNOWN
        kind = type(view).__name__
        if kind == "StructEval":  # struct.with_fields(): the struct, and what it adds
            struct = self.expression(view.expr, env)
            self.structs.append(struct)
            try:
                added = [self.expression(e.node, env) for e in view.evaluation]
            finally:
                self.structs.pop()
            return union([struct, *added])
        if kind == "Literal" and isinstance(view.value, PY_SERIES):  # an eager detour?
            return UNKNOWN
        if kind == "Column":
            if view.name not in env:
                msg = f"a column {view.name} the step's input does not have"
                raise FormatChangedError(msg)
            return env[view.name]
        if kind == "Alias":  # a new name: the same column (a struct keeps its fields)
            return self.expression(view.expr, env)
        if kind == "Function" and view.function_data == ("as_struct",):
            inputs = [self.expression(n, env) for n in view.input]
            return union(inputs)._replace(fields=tuple(inputs))
        if kind == "Function" and str(view.function_data[0]) == FIELD_BY_NAME:
            return self.expression(view.input[0], env).field(view.function_data[1])
        if kind not in VALUE_FIELDS:
            self.problems.append(f"a {kind} expression, which this Polster does not read")
            return UNKNOWN
        values = [self.expression(n, env) for n in children(view, VALUE_FIELDS[kind])]
        result = union(values) if values else Column(frozenset())
        grouping = [self.expression(n, env) for n in children(view, GROUPING_FIELDS.get(kind, ()))]
        return Column(result.value, result.rows.union(*map(everything, grouping)))

    def expressions(self, exprs: Sequence[Any], env: Env) -> Env:
        schema = self.traverser.get_schema()  # the step's output: the structs' field names
        return {
            e.output_name: named_fields(self.expression(e.node, env), schema.get(e.output_name))
            for e in exprs
        }

    # One method per IR node kind (NODE_READERS).

    def python_scan(self, view: Any, names: list[str]) -> Env:
        source = placeholder_of(view)
        if source is None:  # a Python source of its own: no asset upstream
            self.from_source = True
            return {name: Column(frozenset()) for name in names}
        return {name: Column(frozenset({(source.key, name)})) for name in names}

    def scan(self, view: Any, names: list[str]) -> Env:
        self.from_source = True  # files the code scans itself: no asset upstream
        return {name: Column(frozenset()) for name in names}

    def data_frame_scan(self, view: Any, names: list[str]) -> Env:
        # A frame made in Python: data written in the code, or an eager detour (collect,
        # then .lazy()) that hides which columns it was computed from.
        return dict.fromkeys(names, UNKNOWN)

    def select_step(self, view: Any, names: list[str]) -> Env:
        return self.expressions(view.expr, self.node(view.input))

    def reduce(self, view: Any, names: list[str]) -> Env:
        return self.expressions(view.exprs, self.node(view.input))

    def h_stack(self, view: Any, names: list[str]) -> Env:
        env = self.node(view.input)
        added = self.expressions(view.exprs, env)
        return {name: added[name] if name in added else env[name] for name in names}

    def filter_step(self, view: Any, names: list[str]) -> Env:
        env = self.node(view.input)
        return with_rows(env, everything(self.expression(view.predicate.node, env)))

    def simple_projection(self, view: Any, names: list[str]) -> Env:
        env = self.node(view.input)
        return {name: env[name] for name in names}

    def sort_step(self, view: Any, names: list[str]) -> Env:
        return self.node(view.input)

    slice_step = sort_step
    cache = sort_step

    def distinct(self, view: Any, names: list[str]) -> Env:
        env = self.node(view.input)
        subset = view.options[1] if isinstance(view.options, tuple) else None
        if not isinstance(subset, list | None):
            msg = f"distinct options {view.options!r}"
            raise FormatChangedError(msg)
        keys = [env[name] for name in subset] if subset else []
        return with_rows(env, frozenset().union(*map(everything, keys)))

    def group_by(self, view: Any, names: list[str]) -> Env:
        env = self.node(view.input)
        keys = self.expressions(view.keys, env)
        if view.apply:  # map_groups: a Python function makes every column but the keys
            return {name: keys.get(name, UNKNOWN) for name in names}
        # group_by_dynamic() and rolling(): windows of an index column, labelled by it
        # (the label, and its bounds with include_boundaries=True, come from that column)
        windows = view.options.dynamic or view.options.rolling
        aggregated = list(view.aggs)
        index = {}
        if windows is not None:
            made = set(keys) | {e.output_name for e in aggregated}
            index = {name: env[windows.index_column] for name in names if name not in made}
        grouped = frozenset().union(*map(everything, [*keys.values(), *index.values()]))
        made = keys | with_rows(self.expressions(aggregated, env), grouped) | index
        return {name: made[name] for name in names}

    def union_step(self, view: Any, names: list[str]) -> Env:
        inputs = [self.node(node) for node in view.inputs]
        return {name: union([self.column_of(env, name) for env in inputs]) for name in names}

    def merge_sorted(self, view: Any, names: list[str]) -> Env:
        inputs = [self.node(view.input_left), self.node(view.input_right)]
        return {name: union([self.column_of(env, name) for env in inputs]) for name in names}

    def h_concat(self, view: Any, names: list[str]) -> Env:
        env: Env = {}
        for node in view.inputs:
            env |= self.node(node)
        return {name: env[name] for name in names}

    def map_function(self, view: Any, names: list[str]) -> Env:
        env = self.node(view.input)
        function = view.function
        kind = function[0] if isinstance(function, tuple) and function else None
        if kind in ("explode", "hint_sorted", "rechunk"):
            return {name: env[name] for name in names}
        if kind == "row_index":  # ("row_index", name, offset)
            return {name: env.get(name, Column(frozenset())) for name in names}
        if kind == "unpivot":  # ("unpivot", index, on, variable name, value name)
            _, index, on, variable, value = function
            on = on or [name for name in env if name not in index]
            melted = {variable: Column(frozenset()), value: union([env[n] for n in on])}
            return {name: env[name] if name in index else melted[name] for name in names}
        if kind == "unnest":  # ("unnest", struct columns, separator)
            return self.unnested(env, function[1], function[2], names)
        self.problems.append(f"a {kind or function!r} step, which this Polster does not read")
        return dict.fromkeys(names, UNKNOWN)

    def unnested(
        self, env: Env, structs: list[str], separator: str | None, names: list[str]
    ) -> Env:
        schema = self.traverser.get_schema()  # at the MapFunction: the unnested columns
        with self.at(self.traverser.get_inputs()[0]) as traverser:
            before = traverser.get_schema()
        origin = {}
        for struct in structs:
            dtype = before[struct]
            if not isinstance(dtype, pl.Struct):
                msg = f"unnest of {struct}, a {dtype}"
                raise FormatChangedError(msg)
            prefix = "" if separator is None else f"{struct}{separator}"
            origin |= dict.fromkeys((f"{prefix}{f.name}" for f in dtype.fields), struct)
        fields = [name for name in schema if name not in env or name in structs]
        if any(name not in origin for name in fields):
            msg = f"unnest gives {fields}, its structs hold {list(origin)}"
            raise FormatChangedError(msg)
        field_of = {
            f"{'' if separator is None else struct + separator}{f.name}": f.name
            for struct in structs
            for f in before[struct].fields
        }
        return {
            name: env[origin[name]].field(field_of[name]) if name in fields else env[name]
            for name in names
        }

    def join(self, view: Any, names: list[str]) -> Env:
        left, right = self.node(view.input_left), self.node(view.input_right)
        how, _, _, suffix, coalesce, *_ = view.options
        left_by: list[str] = []
        right_by: list[str] = []  # join_asof(by=...): matched within groups, always dropped
        if isinstance(how, tuple):  # ("AsOf", strategy, tolerance, tolerance_str, by_left...)
            how, *asof = how
            if how == "AsOf":
                left_by, right_by = asof[3] or [], asof[4] or []
        left_keys = [self.traverser.view_expression(e.node) for e in view.left_on]
        right_keys = [self.traverser.view_expression(e.node) for e in view.right_on]
        decided = frozenset().union(
            *(everything(self.expression(e.node, left)) for e in view.left_on),
            *(everything(self.expression(e.node, right)) for e in view.right_on),
            *(everything(left[name]) for name in left_by),
            *(everything(right[name]) for name in right_by),
        )
        if view.predicate is not None:  # join_where: its predicate reads both sides
            decided |= everything(self.expression(view.predicate.node, {**right, **left}))
        if how in ("Semi", "Anti"):
            return with_rows({name: left[name] for name in names}, decided)
        out: Env = {}
        dropped_left: set[str] = set()
        dropped_right: set[str] = set(right_by)
        if coalesce and how in ("Inner", "Left", "Right", "Full", "AsOf"):
            for lkey, rkey in zip(left_keys, right_keys, strict=True):
                if type(lkey).__name__ != "Column" or type(rkey).__name__ != "Column":
                    continue
                both = union([left[lkey.name], right[rkey.name]])
                if how == "Right":
                    dropped_left.add(lkey.name)
                    out[rkey.name] = right[rkey.name]
                else:
                    dropped_right.add(rkey.name)
                    out[lkey.name] = both if how == "Full" else left[lkey.name]
        kept_left = [name for name in left if name not in dropped_left]
        combined = {name: out.get(name, left[name]) for name in kept_left}
        for name in right:
            if name in dropped_right:
                continue
            column = out.get(name, right[name]) if how == "Right" else right[name]
            combined[f"{name}{suffix}" if name in combined else name] = column
        if list(combined) != names:
            msg = f"a {how} join gives columns {names}, not {list(combined)} as read"
            raise FormatChangedError(msg)
        return with_rows(combined, decided)

    def column_of(self, env: Env, name: str) -> Column:
        if name not in env:
            msg = f"a concatenation of frames without column {name}"
            raise FormatChangedError(msg)
        return env[name]


def children(view: Any, fields: Sequence[str]) -> list[int]:
    """The expression nodes `view` holds in `fields` (a node, a list of them, or None)."""
    found = []
    for name in fields:
        value = getattr(view, name)
        for node in value if isinstance(value, list | tuple) else [value]:
            if node is None:
                continue
            if not isinstance(node, int) or isinstance(node, bool):
                msg = f"{type(view).__name__}.{name} holds {node!r}, not an expression"
                raise FormatChangedError(msg)
            found.append(node)
    return found


def describe(lineage: ColumnLineage) -> dict[str, str]:
    """Each column's lineage in one line, as a person reads it: `a.x, a.y` / `unknown`."""
    described = {
        name: ", ".join(f"{asset}.{column}" for asset, column in deps) or "(no input column)"
        for name, deps in lineage.columns.items()
    }
    return described | dict.fromkeys(lineage.unknown, "unknown")


__all__ = [
    "SUPPORTED_IR_VERSIONS",
    "ColumnLineage",
    "LineageWarning",
    "describe",
    "ir_version",
    "lineage_of",
    "plan_lineage",
]
