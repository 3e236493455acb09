"""The source stage's output: plain frozen dataclasses, serialised as ``schema.json``.

These objects are the frozen boundary between ``analyze`` and every later stage:
``design`` reads them back with :func:`schema_from_dict`.  Names are kept exactly
as the source spells them (``PlaylistTrack`` on MySQL, ``playlist_track`` on
PostgreSQL).  Statistics that were not gathered are ``None`` and the schema's
``statistics`` field says why (``"unknown"`` for a DDL file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from sql2dynamo.common.frozen import from_dict, to_dict

SCHEMA_FORMAT_VERSION = 1

StatisticsState = Literal["live", "unknown"]


@dataclass(frozen=True)
class ColumnStats:
    """Per-column figures from a sample of rows."""

    null_fraction: float
    distinct_estimate: int
    sampled_rows: int
    exact: bool  # True when the sample was the whole table
    avg_bytes: float | None = None
    max_bytes: int | None = None


@dataclass(frozen=True)
class Column:
    """One column as the source declares it, plus its normalized type."""

    name: str
    source_type: str  # the database's own spelling, e.g. "character varying(20)"
    normalized_type: str  # one of types.NORMALIZED_TYPES
    nullable: bool
    default: str | None = None
    autoincrement: bool = False
    enum_values: tuple[str, ...] | None = None  # ENUM members or MySQL SET members
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    type_rule: str | None = None  # which mapping rule matched, for explanations
    stats: ColumnStats | None = None


@dataclass(frozen=True)
class FanOut:
    """Children per parent along one foreign key."""

    children: int  # child rows with a non-null reference
    parents_with_children: int
    avg: float  # children per parent that has at least one child
    p99: int
    max: int
    method: Literal["exact", "sampled_parents"]
    parents_total: int | None = None  # parent table row count, when known


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key; composite and self-referencing ones included."""

    name: str | None
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    referred_schema: str | None = None
    on_delete: str | None = None
    on_update: str | None = None
    fanout: FanOut | None = None


@dataclass(frozen=True)
class UniqueConstraint:
    """A uniqueness rule: a declared constraint or a unique index."""

    name: str | None
    columns: tuple[str, ...]
    origin: Literal["constraint", "index"]


@dataclass(frozen=True)
class Index:
    """A non-unique secondary index."""

    name: str | None
    columns: tuple[str, ...]


@dataclass(frozen=True)
class CheckConstraint:
    """A CHECK constraint, kept as its SQL text."""

    name: str | None
    sqltext: str


@dataclass(frozen=True)
class TableStats:
    """Table-level figures; row sizes come from a bounded sample."""

    row_count: int
    row_count_exact: bool  # False: the catalog's estimate
    avg_row_bytes: float | None
    max_row_bytes: int | None
    sampled_rows: int
    sample_method: str  # "full", "tablesample", "key-ranges", "head"


@dataclass(frozen=True)
class Table:
    """One source table."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_constraints: tuple[UniqueConstraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    check_constraints: tuple[CheckConstraint, ...] = ()
    schema: str | None = None
    comment: str | None = None
    stats: TableStats | None = None

    def column(self, name: str) -> Column:
        """The column called ``name`` (exact spelling); KeyError if absent."""
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}


@dataclass(frozen=True)
class Attention:
    """Something the migration cannot carry over by itself, and why."""

    kind: Literal["view", "trigger", "routine", "sequence", "table", "column"]
    name: str
    reason: str
    table: str | None = None


@dataclass(frozen=True)
class SourceInfo:
    """Where the schema came from.  ``url`` is always redacted."""

    dialect: str  # registry name: "postgresql", "mysql", "sqlite"
    url: str | None
    database: str | None
    server_version: str | None = None
    ddl_file: str | None = None


@dataclass(frozen=True)
class Schema:
    """Everything ``analyze`` learned about a source: the modular artifacts."""

    source: SourceInfo
    tables: tuple[Table, ...]
    attention: tuple[Attention, ...] = ()
    statistics: StatisticsState = "live"
    generated_by: str = "sql2dynamo"
    format_version: int = SCHEMA_FORMAT_VERSION
    notes: tuple[str, ...] = field(default=())

    def table(self, name: str) -> Table:
        """The table called ``name`` (exact spelling); KeyError if absent."""
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Table]:
        return {t.name: t for t in self.tables}


def is_self_referencing(table: Table, fk: ForeignKey) -> bool:
    """Whether ``fk`` points back at ``table`` itself."""
    return fk.referred_table == table.name and (fk.referred_schema in (None, table.schema))


def schema_to_dict(schema: Schema) -> dict[str, Any]:
    """A JSON-ready dict; each foreign key also says whether it is self-referencing."""
    data = to_dict(schema)
    for t_obj, t_dict in zip(schema.tables, data["tables"], strict=True):
        for fk_obj, fk_dict in zip(t_obj.foreign_keys, t_dict["foreign_keys"], strict=True):
            fk_dict["self_referencing"] = is_self_referencing(t_obj, fk_obj)
    return data


def schema_from_dict(data: dict[str, Any]) -> Schema:
    """Rebuild a :class:`Schema` from ``schema.json`` content."""
    return from_dict(Schema, data)
