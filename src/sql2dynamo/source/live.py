"""Read a live database's structure into the frozen source model.

Constraints and indexes come from SQLAlchemy's inspector, which already knows
each dialect's quirks; the exact column type spellings, enum members,
triggers and routines come from catalog SQL shipped beside each dialect.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa

from sql2dynamo.common.errors import UnsupportedError
from sql2dynamo.source.connect import Source
from sql2dynamo.source.dialects import catalog_sql
from sql2dynamo.source.model import (
    Attention,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Table,
    UniqueConstraint,
)
from sql2dynamo.source.types import TEXT_CAST_RULE, TypeMapper, TypeMapping, decided_mapping, text_cast_mapping

_VIEW_REASON = (
    "a view has no data of its own: serve what it computes with an access pattern on the base tables "
    "or a denormalized item"
)
_TRIGGER_REASON = "its logic runs inside the database: move it to the application or to DynamoDB Streams"
_ROUTINE_REASON = "a stored routine does not move with the data: reimplement it in the application"


@dataclass(frozen=True)
class RawColumn:
    """A column as the catalog reports it, before type classification."""

    table: str
    name: str
    source_type: str
    nullable: bool
    default: str | None
    autoincrement: bool
    is_enum: bool
    enum_values: tuple[str, ...] | None
    comment: str | None


def default_schema(source: Source, conn: sa.Connection) -> str | None:
    """The schema analyze reads: ``current_schema()`` on PostgreSQL, none elsewhere."""
    if source.dialect.name == "postgresql":
        return str(conn.execute(sa.text("SELECT current_schema()")).scalar())
    return None


def read_columns(source: Source, conn: sa.Connection, schema: str | None) -> dict[str, list[RawColumn]]:
    """Every base table's columns, in declaration order, keyed by table name."""
    tables: dict[str, list[RawColumn]] = {}
    if source.dialect.name == "sqlite":
        rows = _sqlite_columns(conn)
    else:
        params = {"schema": schema} if source.dialect.name == "postgresql" else {}
        rows = [dict(r._mapping) for r in conn.execute(sa.text(catalog_sql(source.dialect.name, "columns")), params)]
    for r in rows:
        raw = RawColumn(
            table=str(r["table_name"]),
            name=str(r["column_name"]),
            source_type=str(r["source_type"]).strip(),
            nullable=bool(r["nullable"]),
            default=_default(r["column_default"]),
            autoincrement=bool(r["autoincrement"]),
            is_enum=bool(r["is_enum"]),
            enum_values=_enum_values(r["enum_values"], str(r["source_type"])),
            comment=r.get("comment"),
        )
        tables.setdefault(raw.table, []).append(raw)
    return tables


def _sqlite_columns(conn: sa.Connection) -> list[dict[str, Any]]:
    names = conn.execute(
        sa.text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    ).scalars()
    rows: list[dict[str, Any]] = []
    for table in names:
        info = conn.execute(sa.text("SELECT * FROM pragma_table_info(:t)"), {"t": table}).mappings().all()
        pk_cols = [c for c in info if c["pk"]]
        for col in info:
            # A lone INTEGER PRIMARY KEY is SQLite's rowid: the database assigns it.
            rowid = len(pk_cols) == 1 and col["pk"] and str(col["type"]).strip().upper() == "INTEGER"
            rows.append(
                {
                    "table_name": table,
                    "column_name": col["name"],
                    "source_type": col["type"] or "",
                    "nullable": not col["notnull"] and not col["pk"],
                    "column_default": col["dflt_value"],
                    "autoincrement": rowid,
                    "is_enum": False,
                    "enum_values": None,
                    "comment": None,
                }
            )
    return rows


def _default(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    # MariaDB reports "no default" on a nullable column as the literal text NULL.
    return None if text.upper() == "NULL" else text


_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _enum_values(value: Any, source_type: str) -> tuple[str, ...] | None:
    if value:  # PostgreSQL: members joined by the unit separator
        return tuple(str(value).split("\x1f"))
    if re.match(r"(?i)\s*(enum|set)\s*\(", source_type):
        return tuple(m.replace("''", "'") for m in _QUOTED.findall(source_type))
    return None


def build_columns(
    dialect: str,
    raw: Sequence[RawColumn],
    pk: Sequence[str],
    mapper: TypeMapper,
    decided: Mapping[str, str] | None = None,
) -> tuple[Column, ...]:
    """Classify each column's type; an unmappable type is an error naming the fix.

    ``decided`` (column -> normalized type) holds the types the model already
    chose: those columns keep them and are never classified again.
    """
    out = []
    for col in raw:
        if decided is not None and col.name in decided:
            mapping: TypeMapping | None = decided_mapping(decided[col.name], col.source_type)
            if decided[col.name] == "string" and mapper.classify(dialect, col.source_type, is_enum=col.is_enum) is None:
                mapping = text_cast_mapping()  # still read through the database's text cast, as analyze read it
        else:
            mapping = mapper.classify(dialect, col.source_type, is_enum=col.is_enum)
        if mapping is None and not mapper.strict and dialect != "sqlite":
            mapping = text_cast_mapping()  # said under attention by introspect (text_cast_attention)
        if mapping is None:
            raise UnsupportedError(
                f'column "{col.table}"."{col.name}" has type {col.source_type!r}, which sql2dynamo cannot map',
                hint=f"add --cast '{_base_type(col.source_type)}=string' (or json, binary), drop --strict-types "
                f"or leave the table out with --exclude {col.table!r}",
                table=col.table,
                column=col.name,
            )
        out.append(
            Column(
                name=col.name,
                source_type=col.source_type,
                normalized_type=mapping.normalized,
                nullable=col.nullable and col.name not in pk,
                default=col.default,
                autoincrement=col.autoincrement,
                enum_values=col.enum_values,
                length=mapping.length,
                precision=mapping.precision,
                scale=mapping.scale,
                type_rule=mapping.rule,
            )
        )
    return tuple(out)


def _base_type(source_type: str) -> str:
    return re.escape(source_type.split("(")[0].strip().lower()).replace("\\ ", " ")


def _column_names(dialect: str) -> Callable[[Iterable[str]], tuple[str, ...]]:
    """Column names as the catalog spells them.

    SQLAlchemy reads MySQL/MariaDB keys from ``SHOW CREATE TABLE`` and keeps a
    backtick inside a name doubled (``k``ey``); the columns (from
    ``information_schema``) say ``k`ey``.
    """
    if dialect != "mysql":
        return tuple
    return lambda cols: tuple(c.replace("``", "`") for c in cols)


def read_constraints(
    inspector: sa.Inspector, table: str, schema: str | None
) -> tuple[
    tuple[str, ...],
    tuple[ForeignKey, ...],
    tuple[UniqueConstraint, ...],
    tuple[Index, ...],
    tuple[CheckConstraint, ...],
]:
    """Primary key, foreign keys, unique rules, plain indexes and checks of one table."""
    names = _column_names(inspector.dialect.name)
    pk = names(inspector.get_pk_constraint(table, schema=schema).get("constrained_columns") or ())
    fks = tuple(
        ForeignKey(
            name=fk.get("name"),
            columns=names(fk["constrained_columns"]),
            referred_table=fk["referred_table"],
            referred_columns=names(fk["referred_columns"]),
            referred_schema=fk.get("referred_schema") if fk.get("referred_schema") != schema else None,
            on_delete=_action(fk.get("options", {}).get("ondelete")),
            on_update=_action(fk.get("options", {}).get("onupdate")),
        )
        for fk in inspector.get_foreign_keys(table, schema=schema)
    )
    uniques: dict[tuple[str, ...], UniqueConstraint] = {}
    for uc in inspector.get_unique_constraints(table, schema=schema):
        cols = names(c for c in uc["column_names"] if c is not None)
        uniques.setdefault(cols, UniqueConstraint(uc.get("name"), cols, "constraint"))
    if inspector.dialect.name == "sqlite":
        for cols, name, origin in _sqlite_uniques(inspector, table):
            uniques.setdefault(cols, UniqueConstraint(name, cols, origin))
    indexes: list[Index] = []
    for ix in inspector.get_indexes(table, schema=schema):
        cols = names(c for c in ix["column_names"] if c is not None)
        if not cols:  # expression index: no column list to carry over
            continue
        if ix.get("unique"):
            if cols != pk:
                uniques.setdefault(cols, UniqueConstraint(ix.get("name"), cols, "index"))
        elif cols != pk:
            indexes.append(Index(ix.get("name"), cols))
    checks = _checks(inspector, table, schema)
    return (
        pk,
        fks,
        tuple(sorted(uniques.values(), key=lambda u: (u.columns, u.name or ""))),
        tuple(sorted(indexes, key=lambda i: (i.columns, i.name or ""))),
        tuple(sorted(checks, key=lambda c: (c.name or "", c.sqltext))),
    )


def _checks(inspector: sa.Inspector, table: str, schema: str | None) -> tuple[CheckConstraint, ...]:
    if inspector.dialect.name == "mysql":
        conn = inspector.bind
        assert isinstance(conn, sa.Connection)
        rows = conn.execute(sa.text(catalog_sql("mysql", "checks")), {"table": table}).mappings().all()
    else:
        try:
            rows = inspector.get_check_constraints(table, schema=schema)  # type: ignore[assignment]
        except NotImplementedError:
            return ()
    found = (CheckConstraint(r.get("name"), str(r["sqltext"])) for r in rows)
    return tuple(sorted(found, key=lambda c: (c.name or "", c.sqltext)))


def _sqlite_uniques(inspector: sa.Inspector, table: str) -> list[tuple[tuple[str, ...], str | None, Any]]:
    found: dict[str, tuple[str, list[str]]] = {}
    conn = inspector.bind  # introspect() inspects through one open connection
    assert isinstance(conn, sa.Connection)
    for row in conn.execute(sa.text(catalog_sql("sqlite", "uniques")), {"table": table}).mappings():
        found.setdefault(row["index_name"], (row["origin"], []))[1].append(row["column_name"])
    out = []
    for index_name, (origin, cols) in found.items():
        # An automatic index has no name the user gave; a CREATE UNIQUE INDEX keeps its own.
        name = None if index_name.startswith("sqlite_autoindex_") else index_name
        out.append((tuple(cols), name, "constraint" if origin == "u" else "index"))
    return out


def _action(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).upper()
    return None if text == "NO ACTION" else text


def text_cast_attention(tables: Iterable[Table]) -> list[Attention]:
    """One warning per column read through the database's text cast because no rule maps its type."""
    return [
        Attention(
            "column",
            f"{t.name}.{c.name}",
            f"type {c.source_type!r} has no rule: read as text through the database's own cast (a string); "
            f"add --cast '{_base_type(c.source_type)}=...' to choose, or analyze with --strict-types to stop",
            table=t.name,
        )
        for t in tables
        for c in t.columns
        if c.type_rule == TEXT_CAST_RULE
    ]


def read_attention(source: Source, conn: sa.Connection, inspector: sa.Inspector, schema: str | None) -> list[Attention]:
    """Views, triggers and routines: what the migration cannot carry by itself."""
    out = [Attention("view", v, _VIEW_REASON) for v in sorted(inspector.get_view_names(schema=schema))]
    params = {"schema": schema} if source.dialect.name == "postgresql" else {}
    for row in conn.execute(sa.text(catalog_sql(source.dialect.name, "attention")), params).mappings():
        kind = str(row["kind"])
        if kind in ("partition", "inherits"):
            # not a table of its own: the parent's reads include its rows (SELECT without ONLY)
            what = "a partition" if kind == "partition" else "an inheritance child"
            reason = f"{what} of {row['table_name']}: its rows are read and migrated through {row['table_name']}"
            out.append(Attention("table", str(row["name"]), reason, table=row["table_name"]))
            continue
        reason = _TRIGGER_REASON if kind == "trigger" else _ROUTINE_REASON
        out.append(Attention(kind, str(row["name"]), reason, table=row["table_name"]))  # type: ignore[arg-type]
    return out


def _mariadb_json(raw: list[RawColumn], checks: Iterable[CheckConstraint]) -> list[RawColumn]:
    """MariaDB's ``JSON`` is ``LONGTEXT`` with ``CHECK (json_valid(col))``: such columns are JSON (M/L), not text."""
    valid = {m.group(1).replace("``", "`") for c in checks if (m := _JSON_VALID.fullmatch(c.sqltext.strip()))}
    return [replace(c, source_type="json") if c.name in valid and "text" in c.source_type.lower() else c for c in raw]


_JSON_VALID = re.compile(r"(?i)json_valid\(\s*`((?:[^`]|``)+)`\s*\)")


def assemble_table(
    source: Source,
    inspector: sa.Inspector,
    name: str,
    raw: Iterable[RawColumn],
    schema: str | None,
    mapper: TypeMapper,
    decided: Mapping[str, str] | None = None,
) -> Table:
    """One table's structure (no statistics yet); ``decided``: column types the model chose (see build_columns)."""
    pk, fks, uniques, indexes, checks = read_constraints(inspector, name, schema)
    raw = list(raw)
    if source.dialect.name == "mysql":
        raw = _mariadb_json(raw, checks)
    columns = build_columns(source.dialect.name, raw, pk, mapper, decided)
    return Table(
        name=name,
        columns=columns,
        primary_key=pk,
        foreign_keys=tuple(sorted(fks, key=lambda f: (f.columns, f.referred_table))),
        unique_constraints=uniques,
        indexes=indexes,
        check_constraints=checks,
        schema=schema,
    )
