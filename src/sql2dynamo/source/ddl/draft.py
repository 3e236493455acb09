"""Mutable drafts of tables while a DDL file is read, and the catalog holding them.

A script builds a table over several statements (``CREATE TABLE``, then
``ALTER TABLE ... ADD CONSTRAINT``, ``CREATE INDEX``, ``COMMENT ON``), so the
reader edits drafts and freezes them into :mod:`model` objects at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sql2dynamo.source.ddl.tokens import DdlSyntaxError
from sql2dynamo.source.model import Attention, CheckConstraint, ForeignKey, Index, UniqueConstraint

# The default schema: `public.t` and an unqualified `t` are the same table.
_DEFAULT_SCHEMAS = {"postgresql": {"public"}, "sqlite": {"main"}, "mysql": set[str]()}


@dataclass
class ColumnDraft:
    """A column as declared so far."""

    name: str
    type_text: str  # normalized source type; "" when SQLite declares none
    type_name: str | None  # the bare type name when the type is just a name (PostgreSQL enums, domains)
    enum_values: tuple[str, ...] | None = None
    nullable: bool = True
    default: str | None = None
    autoincrement: bool = False
    generated: str | None = None  # expression of a generated (computed) column
    inline_pk: bool = False  # PRIMARY KEY written on the column itself


@dataclass
class TableDraft:
    """A table as declared so far."""

    name: str
    schema: str | None
    line: int
    columns: list[ColumnDraft] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    uniques: list[UniqueConstraint] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    checks: list[CheckConstraint] = field(default_factory=list)
    pk_name: str | None = None
    comment: str | None = None

    def find(self, name: str, loose: bool) -> ColumnDraft | None:
        """The column ``name``; with ``loose``, matched case-insensitively as MySQL and SQLite do."""
        for col in self.columns:
            if col.name == name:
                return col
        if loose:
            folded = [c for c in self.columns if c.name.casefold() == name.casefold()]
            if len(folded) == 1:
                return folded[0]
        return None

    def column(self, name: str, loose: bool) -> ColumnDraft:
        """Like :meth:`find`, but a missing column is a syntax error of the statement."""
        col = self.find(name, loose)
        if col is None:
            raise DdlSyntaxError(f"table {self.name!r} has no column {name!r}")
        return col

    def add_column(self, col: ColumnDraft, loose: bool) -> None:
        """Append ``col``; a second column of the same name is an error, as in the database."""
        if self.find(col.name, loose) is not None:
            raise DdlSyntaxError(f"column {col.name!r} is declared twice in table {self.name!r}")
        self.columns.append(col)

    def set_primary_key(self, columns: tuple[str, ...], name: str | None) -> None:
        """Declare the primary key; a table has at most one."""
        if self.primary_key:
            raise DdlSyntaxError(f"table {self.name!r} declares more than one primary key")
        self.primary_key, self.pk_name = columns, name

    def resolve_columns(self, loose: bool) -> None:
        """Respell every constraint's columns as declared (and check that they exist)."""

        def fix(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(self.column(n, loose).name for n in names)

        self.primary_key = fix(self.primary_key)
        self.foreign_keys = [replace(fk, columns=fix(fk.columns)) for fk in self.foreign_keys]
        self.uniques = [replace(u, columns=fix(u.columns)) for u in self.uniques]
        self.indexes = [replace(i, columns=fix(i.columns)) for i in self.indexes]

    def rename_column(self, old: str, new: str) -> None:
        """Rename a column everywhere this table mentions it."""

        def fix(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(new if n == old else n for n in names)

        self.primary_key = fix(self.primary_key)
        self.foreign_keys = [replace(fk, columns=fix(fk.columns)) for fk in self.foreign_keys]
        self.uniques = [replace(u, columns=fix(u.columns)) for u in self.uniques]
        self.indexes = [replace(i, columns=fix(i.columns)) for i in self.indexes]

    def drop_column(self, name: str) -> None:
        """Remove a column and every key or index that uses it (the database drops those too)."""
        self.columns = [c for c in self.columns if c.name != name]
        if name in self.primary_key:
            self.primary_key, self.pk_name = (), None
        self.foreign_keys = [fk for fk in self.foreign_keys if name not in fk.columns]
        self.uniques = [u for u in self.uniques if name not in u.columns]
        self.indexes = [i for i in self.indexes if name not in i.columns]

    def drop_named(self, name: str) -> None:
        """Remove the constraint or index called ``name``, whatever its kind."""
        if self.pk_name == name:
            self.primary_key, self.pk_name = (), None
        self.foreign_keys = [fk for fk in self.foreign_keys if fk.name != name]
        self.uniques = [u for u in self.uniques if u.name != name]
        self.indexes = [i for i in self.indexes if i.name != name]
        self.checks = [c for c in self.checks if c.name != name]


@dataclass
class Catalog:
    """Everything read so far from one file."""

    dialect: str  # registry name
    exclude: frozenset[str]
    tables: dict[tuple[str | None, str], TableDraft] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)  # PostgreSQL CREATE TYPE ... AS ENUM
    domains: dict[str, str] = field(default_factory=dict)  # PostgreSQL CREATE DOMAIN name -> base type
    sequences: dict[str, tuple[str, int]] = field(default_factory=dict)  # bare name -> (name, line)
    used_sequences: set[str] = field(default_factory=set)
    attention: list[Attention] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    create_table_seen: bool = False

    @property
    def loose(self) -> bool:
        """MySQL and SQLite match column names case-insensitively."""
        return self.dialect in ("mysql", "sqlite")

    @property
    def fold_case(self) -> bool:
        """PostgreSQL folds unquoted names to lower case."""
        return self.dialect == "postgresql"

    def schema_key(self, schema: str | None) -> str | None:
        """``schema`` as stored: None for the dialect's default schema."""
        return None if schema is None or schema in _DEFAULT_SCHEMAS[self.dialect] else schema

    def excluded(self, schema: str | None, name: str) -> bool:
        """Whether the user excluded this table (matched case-insensitively, bare or qualified)."""
        wanted = {e.casefold() for e in self.exclude}
        return name.casefold() in wanted or (schema is not None and f"{schema}.{name}".casefold() in wanted)

    def find(self, schema: str | None, name: str) -> TableDraft | None:
        """The table draft called ``name``, tolerating a missing or default schema and case."""
        schema = self.schema_key(schema)
        hit = self.tables.get((schema, name))
        if hit is not None:
            return hit
        candidates = [t for (s, n), t in self.tables.items() if n == name and (schema is None or s == schema)]
        if not candidates and self.loose:
            candidates = [
                t
                for (s, n), t in self.tables.items()
                if n.casefold() == name.casefold() and (schema is None or s == schema)
            ]
        return candidates[0] if len(candidates) == 1 else None

    def add_table(self, table: TableDraft) -> None:
        """Register ``table``; a later definition of the same name replaces the earlier one."""
        key = (table.schema, table.name)
        if key in self.tables:
            self.notes.append(f"line {table.line}: table {table.name} is created again; the later definition is used")
        self.tables[key] = table

    def rename_table(self, table: TableDraft, new_name: str) -> None:
        """``ALTER TABLE ... RENAME TO``: re-key the draft and the foreign keys that point at it."""
        old = table.name
        del self.tables[(table.schema, old)]
        table.name = new_name
        self.tables[(table.schema, new_name)] = table
        for other in self.tables.values():
            other.foreign_keys = [
                replace(fk, referred_table=new_name) if fk.referred_table == old else fk for fk in other.foreign_keys
            ]
