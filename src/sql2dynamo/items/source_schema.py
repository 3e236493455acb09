"""The source tables a model maps, read as the model decided them, and checked against it before any row moves.

``migrate``, ``verify`` and ``validate`` read the source's structure again
(keys, types the driver returns), but they never decide anything anew:

* only the tables the model maps (and the parents its denormalized copies
  come from) are read, so a table the model leaves out cannot stop them,
  whatever its column types;
* every column the model maps keeps the normalized type analyze and design
  chose (their ``--cast`` rules included): no ``--cast`` is needed again;
* a column the model uses that the source no longer has (dropped or renamed
  since design) stops the command up front, with exit 4 and one line naming
  the table, the column and the fix, instead of a ``KeyError`` halfway.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.items.templates import Field, parse_template
from sql2dynamo.source.connect import Source
from sql2dynamo.source.introspect import introspect
from sql2dynamo.source.live import default_schema
from sql2dynamo.source.model import Schema

__all__ = ["model_columns", "read_mapped_tables", "source_table_names"]


def model_columns(model: DataModel) -> dict[str, dict[str, str | None]]:
    """Source table -> column -> the normalized type the model decided (None: used by a key or condition only)."""
    out: dict[str, dict[str, str | None]] = {}
    for table in model.tables:
        for entity in table.entities:
            own = out.setdefault(entity.source_table, {})
            for attribute in entity.attributes:
                columns = out.setdefault(attribute.source_table, {})
                columns[attribute.source_column] = attribute.transform
                if attribute.join is not None:
                    own.setdefault(attribute.join.local_column, None)
            keys = [entity.pk, *([entity.sk] if entity.sk else []), *entity.index_keys]
            for part in keys:
                for field in parse_template(part.template):
                    if isinstance(field, Field) and not field.param:
                        own.setdefault(field.name, None)
            for condition in entity.sparse_keys.values():
                own.setdefault(condition.column, None)
            for column in entity.unique_columns:
                own.setdefault(column, None)
            if entity.ttl is not None:
                own.setdefault(entity.ttl.source_column, None)
    return out


def read_mapped_tables(
    source: Source, model: DataModel, tables: Iterable[str] | None = None, *, reporter: Reporter
) -> Schema:
    """The structure (no statistics) of ``tables``, typed as ``model`` decided, after checking it still fits.

    ``tables`` defaults to every source table the model uses (denormalized
    copies' parents included).  Raises ``InputError`` when a table or a
    column the model uses is missing from the source.
    """
    used = model_columns(model)
    wanted = sorted(set(used if tables is None else tables))
    present = set(source_table_names(source))
    absent = [t for t in wanted if t not in present]
    if absent:
        raise InputError(
            f"table {', '.join(absent)} is in the model but not in the source {source.display_url}",
            hint="the source changed since design: restore it, or run analyze and design again",
            table=absent[0],
        )
    decided = {t: {c: kind for c, kind in used.get(t, {}).items() if kind is not None} for t in wanted}
    schema = introspect(source, reporter=reporter, include=wanted, with_stats=False, decided=decided)
    for table in schema.tables:
        names = {c.name for c in table.columns}
        for column in sorted(used.get(table.name, {})):
            if column not in names:
                raise InputError(
                    f"column {column} of table {table.name} is in the model but not in the source {source.display_url}",
                    hint="the source changed since design (a column dropped or renamed): restore it, "
                    "or run analyze and design again",
                    table=table.name,
                    column=column,
                )
    return schema


def source_table_names(source: Source) -> list[str]:
    """The base tables of the source's default schema (a cheap catalog read that classifies no column)."""
    with source.engine.connect() as conn:
        return sorted(sa.inspect(conn).get_table_names(schema=default_schema(source, conn)))
