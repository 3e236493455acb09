"""``validate --sample N``: a SQLite copy of the source holding the first N rows of every mapped table.

Related rows stay together: every row a sampled row refers to (its parents,
their parents...) is copied too, so foreign keys, denormalized copies and
joins find what they point at.  The copy's tables are created from the
source's reflected metadata with generic types (UUIDs and ENUMs as text,
JSON as JSON), so the same patterns run on it through the SQL transpiler.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.source.connect import open_source

_IN_CHUNK = 500


def _generic(column: sa.Column[Any]) -> sa.types.TypeEngine[Any]:
    kind = column.type
    if isinstance(kind, sa.Uuid | sa.Enum):
        return sa.String(64)
    if isinstance(kind, sa.JSON):
        return sa.JSON()
    try:
        generic = kind.as_generic()
    except NotImplementedError:
        return sa.Text()
    if isinstance(generic, sa.Enum):
        return sa.String(64)
    return generic


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value


def sample_source(source_url: str, model: DataModel, out: Path, rows: int, *, reporter: Reporter) -> str:
    """Write the sample to ``out`` (SQLite) and return its URL."""
    source = open_source(source_url)
    try:
        wanted = {e.source_table for t in model.tables for e in t.entities}
        wanted |= {a.source_table for t in model.tables for e in t.entities for a in e.attributes}
        meta = sa.MetaData()
        meta.reflect(source.engine, only=lambda name, _: name in wanted)
        absent = sorted(wanted - set(meta.tables))
        if absent:
            raise InputError(
                f"{source.display_url} has no table {', '.join(absent)}, which the model maps",
                hint="validate against the database the model was designed from",
            )
        chosen = _choose(source.engine, meta, rows)
        target = sa.create_engine(f"sqlite:///{out}")
        try:
            copy = sa.MetaData()
            for table in meta.sorted_tables:
                sa.Table(
                    table.name,
                    copy,
                    *(
                        sa.Column(c.name, _generic(c), primary_key=c.primary_key, nullable=c.nullable)
                        for c in table.columns
                    ),
                    *(
                        sa.UniqueConstraint(*(c.name for c in u.columns))
                        for u in table.constraints
                        if isinstance(u, sa.UniqueConstraint)
                    ),
                    *(
                        # MySQL and MariaDB reflect unique keys as unique indexes.
                        sa.UniqueConstraint(*(c.name for c in i.columns))
                        for i in table.indexes
                        if i.unique
                    ),
                    *(
                        sa.ForeignKeyConstraint(
                            [e.parent.name for e in fk.elements],
                            [f"{fk.referred_table.name}.{e.column.name}" for e in fk.elements],
                        )
                        for fk in table.foreign_key_constraints
                        if fk.referred_table.name in meta.tables
                    ),
                )
            copy.create_all(target)
            with target.begin() as conn:
                for table in copy.sorted_tables:
                    found = chosen[table.name]
                    if found:
                        conn.execute(sa.insert(table), [{k: _plain(v) for k, v in r.items()} for r in found])
        finally:
            target.dispose()
        counts = ", ".join(f"{n} {len(r)}" for n, r in chosen.items())
        reporter.info(f"sample of {rows} rows per table (with the rows they refer to) in {out}: {counts}")
        return f"sqlite:///{out}"
    finally:
        source.engine.dispose()


def _choose(engine: sa.Engine, meta: sa.MetaData, rows: int) -> dict[str, list[dict[str, Any]]]:
    """The first ``rows`` rows of each table, then every parent they refer to, until nothing is missing."""
    chosen: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {name: {} for name in meta.tables}

    def key(table: sa.Table, row: dict[str, Any]) -> tuple[Any, ...]:
        cols = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
        return tuple(row[c] for c in cols)

    with engine.connect() as conn:
        for table in meta.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            for r in conn.execute(sa.select(table).order_by(*order).limit(rows)).mappings():
                chosen[table.name][key(table, dict(r))] = dict(r)
        changed = True
        while changed:
            changed = False
            for table in meta.sorted_tables:
                for fk in table.foreign_key_constraints:
                    parent = fk.referred_table
                    if parent.name not in meta.tables or len(fk.elements) != 1:
                        continue
                    local, remote = fk.elements[0].parent.name, fk.elements[0].column
                    have = {r[remote.name] for r in chosen[parent.name].values()}
                    need = {r[local] for r in chosen[table.name].values()} - have - {None}
                    for part in _chunks(need):
                        for r in conn.execute(sa.select(parent).where(remote.in_(part))).mappings():
                            chosen[parent.name][key(parent, dict(r))] = dict(r)
                            changed = True
    return {name: list(found.values()) for name, found in chosen.items()}


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(values, key=repr)
    for start in range(0, len(ordered), _IN_CHUNK):
        yield ordered[start : start + _IN_CHUNK]
