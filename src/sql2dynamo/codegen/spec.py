"""What the generated module holds, as data: row classes and repository methods, derived from model + patterns.

``data_model.json`` says how each pattern runs (its plan, its entities'
columns and their types); it does not keep the SQL.  The SQL comes from the
``access_patterns.yaml`` the model was designed from: its parameters name the
method's arguments, the columns they bind to give their types, its projection
gives the row class, its shape (COUNT, ``SELECT 1``, a unique key, joins to
parents only) gives the result's cardinality.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from sqlglot import exp

from sql2dynamo.codegen import naming
from sql2dynamo.codegen.rows import Renames, column_keys, renames, row_table
from sql2dynamo.design.model import AccessPlan, AttributeSpec, DataModel, EntityMapping
from sql2dynamo.runtime.types import python_annotation
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile
from sql2dynamo.workload.shape.model import StatementShape
from sql2dynamo.workload.shape.parse import shape_of
from sql2dynamo.workload.sqltree import parse_statement, sqlglot_dialect

Result = Literal["one", "page", "count", "exists", "write"]

_VERBS = {"insert": "create", "update": "update", "delete": "delete"}


@dataclass(frozen=True)
class Field:
    """One field of a row class and the row keys it is read from (the first the row has)."""

    name: str
    keys: tuple[str, ...]
    annotation: str
    optional: bool


@dataclass(frozen=True)
class RowClass:
    """A frozen dataclass of the generated module: an entity (source table) or one pattern's projection."""

    name: str
    doc: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Param:
    """One argument of a method and the SQL parameter it fills."""

    name: str
    key: str
    annotation: str


@dataclass(frozen=True)
class Method:
    """One repository method: one access pattern."""

    name: str
    pattern_id: str
    description: str
    sql: str
    rps_avg: float | None
    rps_peak: float | None
    result: Result
    row_class: str | None
    params: tuple[Param, ...]
    limit_key: str | None  # the SQL's LIMIT parameter, which the page size fills
    supported: bool
    reason: str
    alternative: str | None
    operations: tuple[str, ...]
    rcu_per_call: float
    wcu_per_call: float
    # The rows are another entity's: the row class's table is read from its "table.column" keys.
    view_table: str | None = None
    view_renames: Renames = ()
    # The WHERE conjuncts no key enforces: checked on each item read (filters) or written (conditions).
    filters: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    # A write over the items a Query found skips an item whose condition is false (instead of raising).
    skips_refused: bool = False


@dataclass(frozen=True)
class ModuleSpec:
    """The whole generated module."""

    application: str
    strategy: str
    repository_class: str
    entities: tuple[RowClass, ...]
    rows: tuple[RowClass, ...]  # projection rows, in method order
    methods: tuple[Method, ...]
    skipped: tuple[tuple[str, str], ...]  # (pattern id, why no method)


# ------------------------------------------------------------------------- columns of the model


class Columns:
    """The source tables and columns the model stores, with their attribute specs, by table."""

    def __init__(self, model: DataModel) -> None:
        """Collect every non-denormalized attribute, entity mappings first (their order is the class's)."""
        self.entities: dict[str, EntityMapping] = {}
        self.lookups: dict[str, list[EntityMapping]] = {}
        self.columns: dict[str, dict[str, AttributeSpec]] = {}
        mappings = [e for t in model.tables for e in t.entities]
        for mapping in sorted(mappings, key=lambda e: e.kind != "entity"):
            table = mapping.source_table
            if mapping.kind == "entity":
                self.entities.setdefault(table, mapping)
            else:
                self.lookups.setdefault(table, []).append(mapping)
            cols = self.columns.setdefault(table, {})
            for attr in mapping.attributes:
                if attr.source_table == table and not attr.denormalized:
                    cols.setdefault(attr.source_column, attr)

    def table(self, name: str) -> str | None:
        """The model's spelling of table ``name`` (schema qualifier and case ignored when unambiguous)."""
        bare = name.split(".")[-1]
        if bare in self.columns:
            return bare
        folded = [t for t in self.columns if t.lower() == bare.lower()]
        return folded[0] if len(folded) == 1 else None

    def attribute(self, table: str | None, column: str) -> AttributeSpec | None:
        """The attribute of ``table.column`` (case ignored when unambiguous)."""
        cols = self.columns.get(table or "", {})
        if column in cols:
            return cols[column]
        folded = [a for c, a in cols.items() if c.lower() == column.lower()]
        return folded[0] if len(folded) == 1 else None

    def key_columns(self, table: str) -> tuple[str, ...]:
        """The columns of the entity's primary key (its item key templates' columns)."""
        mapping = self.entities.get(table)
        if mapping is None:
            return ()
        return (*mapping.pk.columns, *(mapping.sk.columns if mapping.sk else ()))

    def unique_sets(self, table: str) -> list[frozenset[str]]:
        """Column sets known unique in ``table``: its key, and each unique constraint a lookup guards."""
        sets = [frozenset(self.key_columns(table))] if self.key_columns(table) else []
        sets += [frozenset(m.unique_columns) for m in self.lookups.get(table, []) if m.unique_columns]
        return sets


def _annotation(attr: AttributeSpec | None, optional: bool) -> str:
    base = python_annotation(attr.transform) if attr is not None else "Any"
    return f"{base} | None" if optional and base != "Any" else base


FieldSource = tuple[tuple[str, ...], str, AttributeSpec | None, bool, str | None]
"""(row keys, name source, attribute, optional, annotation when not the attribute's)."""


def _fields(items: Sequence[FieldSource]) -> tuple[Field, ...]:
    """Fields from their sources, names made unique."""
    wanted = [(str(i), naming.snake(item[1], fallback="column")) for i, item in enumerate(items)]
    names = naming.dedupe(wanted)
    out = []
    for i, (keys, _, attr, optional, annotation) in enumerate(items):
        out.append(Field(names[str(i)], keys, annotation or _annotation(attr, optional), optional))
    return tuple(out)


# ------------------------------------------------------------------------- one pattern


@dataclass(frozen=True)
class _Item:
    """One SELECT-list item."""

    output: str
    table: str | None  # the model's table for a column or a star
    column: str | None  # None for a star or an expression
    star: bool = False
    count: bool = False
    literal: bool = False


def _select_items(root: exp.Expr, cols: Columns) -> tuple[list[_Item], set[str]]:
    """The SELECT list, qualifiers resolved to tables; and the tables a LEFT/RIGHT/FULL join may leave null."""
    aliases: dict[str, str] = {}
    for node in root.find_all(exp.Table):
        resolved = cols.table(node.name)
        if resolved is not None:
            aliases[node.alias_or_name] = resolved
    source = root.args.get("from_") or root.args.get("from")
    main = cols.table(source.this.name) if source is not None and isinstance(source.this, exp.Table) else None
    nullable: set[str] = set()
    for join in root.args.get("joins") or []:
        side = (join.side or "").upper()
        table = cols.table(join.this.name) if isinstance(join.this, exp.Table) else None
        if side in ("LEFT", "FULL") and table:
            nullable.add(table)
        if side in ("RIGHT", "FULL") and main:
            nullable.add(main)
    items: list[_Item] = []
    for node in root.expressions if isinstance(root, exp.Select) else []:
        inner = node.this if isinstance(node, exp.Alias) else node
        output = node.alias_or_name
        if isinstance(inner, exp.Star):
            items.append(_Item("*", main, None, star=True))
        elif isinstance(inner, exp.Column) and isinstance(inner.this, exp.Star):
            items.append(_Item("*", aliases.get(inner.table, main), None, star=True))
        elif isinstance(inner, exp.Column):
            items.append(_Item(output, aliases.get(inner.table, main) if inner.table else main, inner.name))
        elif isinstance(inner, exp.Count):
            items.append(_Item(output or "count", None, None, count=True))
        elif isinstance(inner, exp.Literal | exp.Boolean):
            items.append(_Item(output, None, None, literal=True))
        else:
            items.append(_Item(output or "value", None, None))
    return items, nullable


def _param_types(shape: StatementShape, root: exp.Expr, cols: Columns, main: str | None) -> dict[str, tuple[str, bool]]:
    """SQL parameter -> (annotation, bound to a WHERE column) from the first column each is bound to."""
    out: dict[str, tuple[str, bool]] = {}
    optional: dict[str, bool] = {}  # a value only ever assigned to nullable columns may be None
    for b in shape.bindings:
        if not b.value.startswith(":"):
            continue
        table, _, column = b.column.rpartition(".")
        resolved = cols.table(table) if table else main
        attr = cols.attribute(resolved, column)
        if attr is None and not table:
            candidates = [a for t in shape.tables if (a := cols.attribute(cols.table(t), column)) is not None]
            attr = candidates[0] if candidates else None
        name = b.value[1:]
        nullable = b.op == "set" and attr is not None and attr.nullable
        optional[name] = optional.get(name, True) and nullable
        if name in out:
            continue
        ann = _annotation(attr, False)
        out[name] = (f"Sequence[{ann}]" if b.op == "in" else ann, b.op != "set")
    for name, (ann, where) in list(out.items()):
        if optional[name] and ann != "Any":
            out[name] = (f"{ann} | None", where)
    for value in (shape.limit, shape.offset):
        if isinstance(value, str) and value.startswith(":"):
            out.setdefault(value[1:], ("int", False))
    for like in root.find_all(exp.Like, exp.ILike):
        for node in like.find_all(exp.Placeholder):
            out.setdefault(node.name, ("str", True))
    return out


def _covers_unique(equal: set[str], table: str | None, cols: Columns) -> bool:
    return table is not None and any(s and s <= equal for s in cols.unique_sets(table))


def _joins_to_parents(shape: StatementShape, cols: Columns) -> bool:
    """Every joined table is joined on its own key: the join adds columns, never rows."""
    for join in shape.joins:
        table = cols.table(join.table)
        if table is None:
            return False
        own = {c.split(".")[-1] for pair in join.on for c in pair if c.split(".")[0] in (join.table, table)}
        if not any(s and s <= own for s in cols.unique_sets(table)):
            return False
    return True


def _single(shape: StatementShape, plan: AccessPlan, cols: Columns, main: str | None) -> bool:
    """Whether a read returns at most one row: LIMIT 1, a plan without Query/Scan, or a unique key."""
    if shape.limit == 1:
        return True
    if shape.group_by or shape.aggregates:
        return False
    if not _joins_to_parents(shape, cols):
        return False
    ops = {s.operation for s in plan.steps}
    if plan.supported and plan.steps and not ops & {"Query", "Scan"}:
        return True
    equal = {b.column.split(".")[-1] for b in shape.bindings if b.op == "=" and _on(b.column, main, shape)}
    return _covers_unique(equal, main, cols)


def _on(column: str, main: str | None, shape: StatementShape) -> bool:
    table = column.rpartition(".")[0]
    return not table or (main is not None and table.lower() == main.lower()) or len(shape.tables) == 1


@dataclass(frozen=True)
class Draft:
    """A method before its name is made unique, with its projection row class when it needs one."""

    wanted: str
    method: Method
    row_fields: tuple[Field, ...] | None


def draft_method(
    pattern: AccessPattern,
    plan: AccessPlan,
    model: DataModel,
    cols: Columns,
    entity_classes: dict[str, str],
) -> Draft | str:
    """The method of one pattern, or the reason it gets none."""
    dialect = pattern.dialect or model.source_dialect
    root = parse_statement(pattern.sql, dialect, pattern_id=pattern.id)
    shape = shape_of(root, sqlglot_dialect(dialect))
    if shape.operation not in ("select", "insert", "update", "delete"):
        return "not a SELECT, INSERT, UPDATE or DELETE statement"
    main = cols.table(shape.tables[0]) if shape.tables else None
    types = _param_types(shape, root, cols, main)
    sql_limit = isinstance(shape.limit, str) and shape.limit.startswith(":")
    limit_param = shape.limit[1:] if isinstance(shape.limit, str) and sql_limit else None
    where = [(b.column, b.op) for b in shape.bindings if b.op != "set" and b.value.startswith(":")]
    row_fields: tuple[Field, ...] | None = None
    row_class: str | None = None
    view: tuple[str, Renames] | None = None
    noun_table = main
    if shape.operation == "select":
        items, nullable = _select_items(root, cols)
        if len(items) == 1 and items[0].count and not shape.group_by:
            result: Result = "count"
        elif items and all(i.literal for i in items):
            result = "exists"
        else:
            result = "one" if _single(shape, plan, cols, main) else "page"
            joined = len(shape.tables) > 1
            row = row_table(plan, [t for t in map(cols.table, shape.tables) if t], model) if joined else main
            star = items[0].table if len(items) == 1 and items[0].star else None
            if star is not None and star in entity_classes:
                noun_table = star
                row_class = entity_classes[star]
                if joined and row is not None and star != row:
                    view = (star, renames(shape, star, row))
            else:
                row_fields = _projection_fields(items, cols, nullable, joined, row, shape)
        verb = {"count": "count", "exists": "exists", "one": "get", "page": "list"}[result]
    else:
        result = "write"
        verb = "put" if shape.upsert else _VERBS[shape.operation]
    noun = naming.snake(noun_table or "row", reserved=())
    noun = naming.plural(naming.singular(noun)) if verb in ("list", "count") else naming.singular(noun)
    params = _params(shape.parameters, types, limit_param if result == "page" else None)
    method = Method(
        name="",
        pattern_id=pattern.id,
        description=pattern.description,
        sql=pattern.sql,
        rps_avg=pattern.rps.avg if pattern.rps else None,
        rps_peak=pattern.rps.peak if pattern.rps else None,
        result=result,
        row_class=row_class,
        params=params,
        limit_key=limit_param if result == "page" else None,
        supported=plan.supported,
        reason=plan.reason,
        alternative=plan.alternative,
        operations=tuple(s.operation for s in plan.steps),
        rcu_per_call=plan.rcu_per_call,
        wcu_per_call=plan.wcu_per_call,
        view_table=view[0] if view else None,
        filters=tuple(u.text for u in plan.predicates if u.enforced_by == "filter"),
        conditions=tuple(u.text for u in plan.predicates if u.enforced_by == "condition"),
        skips_refused=bool(plan.steps) and plan.steps[0].operation == "Query",
        view_renames=view[1] if view else (),
    )
    return Draft(naming.method_name(verb, noun, where), method, row_fields)


def _projection_fields(
    items: Sequence[_Item],
    cols: Columns,
    nullable: set[str],
    joined: bool,
    row: str | None,
    shape: StatementShape,
) -> tuple[Field, ...]:
    """The fields of a projection's row class, each read under the keys :func:`rows.column_keys` gives."""
    spec: list[FieldSource] = []
    for item in items:
        if item.star:
            for column, attr in cols.columns.get(item.table or "", {}).items():
                keys = column_keys(item.table, column, row, joined, shape)
                spec.append((keys, column, attr, attr.nullable or item.table in nullable, None))
        elif item.column is not None:
            found = cols.attribute(item.table, item.column)
            optional = found is None or found.nullable or item.table in nullable
            column = found.source_column if found is not None else item.column
            keys = column_keys(item.table, column, row, joined, shape)
            spec.append((keys, item.output, found, optional, None))
        elif item.count:
            spec.append(((item.output,), item.output, None, False, "int"))
        else:
            spec.append(((item.output,), item.output, None, True, None))
    return _fields(spec)


def _params(names: Sequence[str], types: dict[str, tuple[str, bool]], limit_param: str | None) -> tuple[Param, ...]:
    wanted = [(p, naming.snake(p, fallback="param")) for p in names if p != limit_param]
    unique = naming.dedupe(wanted)
    return tuple(Param(unique[p], p, types.get(p, ("Any", False))[0]) for p, _ in wanted)


# ------------------------------------------------------------------------- the module


def build_spec(model: DataModel, patterns: PatternsFile) -> ModuleSpec:
    """The module for ``model``: every pattern of ``patterns`` that the model has a plan for."""
    cols = Columns(model)
    dialect = patterns.dialect or model.source_dialect
    tables = sorted(cols.entities)
    wanted = [(t, naming.camel(naming.singular(naming.snake(t, reserved=())))) for t in tables]
    singulars = [w for _, w in wanted]
    wanted = [(t, w if singulars.count(w) == 1 else naming.camel(naming.snake(t, reserved=()))) for t, w in wanted]
    repo_class = naming.camel(model.application or "app") + "Repository"
    classes = naming.dedupe_classes(wanted, taken=(*naming.RESERVED, repo_class))
    entities = tuple(
        RowClass(
            classes[t],
            f"A row of ``{t}``.",
            _fields([((c,), c, a, a.nullable, None) for c, a in cols.columns[t].items()]),
        )
        for t in tables
    )
    drafts: list[Draft] = []
    skipped: list[tuple[str, str]] = []
    plans = {p.pattern_id: p for p in model.plans}
    for pattern in patterns.patterns:
        plan = plans.get(pattern.id)
        if plan is None:
            skipped.append((pattern.id, "the model has no plan for it"))
            continue
        drafted = draft_method(replace(pattern, dialect=dialect), plan, model, cols, classes)
        if isinstance(drafted, str):
            skipped.append((pattern.id, drafted))
        else:
            drafts.append(drafted)
    names = naming.dedupe([(d.method.pattern_id, d.wanted) for d in drafts], taken=("from_model_dir", "repository"))
    taken = {*naming.RESERVED, repo_class, *(e.name for e in entities)}
    methods: list[Method] = []
    rows: list[RowClass] = []
    for d in drafts:
        name = names[d.method.pattern_id]
        row_class = d.method.row_class
        if d.row_fields is not None:
            row_class = naming.dedupe_classes([(name, naming.camel(name) + "Row")], taken)[name]
            taken.add(row_class)
            rows.append(RowClass(row_class, f"A row of {d.method.pattern_id} ({name}).", d.row_fields))
        methods.append(replace(d.method, name=name, row_class=row_class))
    return ModuleSpec(
        model.application, model.strategy, repo_class, entities, tuple(rows), tuple(methods), tuple(skipped)
    )
