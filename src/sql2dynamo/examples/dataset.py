"""What every worked example is made of, and the helpers their generators share.

An example is SQLAlchemy metadata (so one generator fills SQLite, PostgreSQL
or MariaDB), a deterministic row generator, and files packaged beside its
module: ``schema.sql`` (the DDL in the example's own dialect, rendered from
the metadata by :func:`render_schema_sql`), ``access_patterns.yaml`` and,
optionally, ``queries.sql`` (a query log for ``analyze --query-log``).
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import SAWarning
from sqlalchemy.schema import CreateIndex, CreateTable

from sql2dynamo.common.errors import InputError
from sql2dynamo.source.dialects import get_dialect
from sql2dynamo.workload.patterns.model import PatternsFile
from sql2dynamo.workload.patterns.read import parse_patterns

SCHEMA_FILE = "schema.sql"
PATTERNS_FILE = "access_patterns.yaml"
QUERY_LOG_FILE = "queries.sql"

# Rows per INSERT batch: big enough to be quick, small enough that --rows 100000
# does not build one enormous statement.
_BATCH = 2000


RowBuilder = Callable[[random.Random, int], dict[str, list[dict[str, Any]]]]
"""``build_rows(rng, rows)``: an example's rows by table (explicit ids) for ``rows`` of its main entity."""


@dataclass(frozen=True)
class Example:
    """One worked example: schema, generator and workload of a real application.

    ``dialect`` is the dialect of ``schema.sql`` and of the SQL in
    ``access_patterns.yaml``; ``generate`` works on any supported database.
    ``rows`` passed to ``generate`` counts ``rows_unit`` (users, customers);
    the other tables scale with it.  ``package`` is the module whose
    directory holds the example's files.
    """

    name: str
    title: str
    dialect: str
    metadata: sa.MetaData
    build_rows: RowBuilder
    package: str
    rows_unit: str = "users"
    has_query_log: bool = False

    def generate(self, engine: sa.Engine, rows: int, seed: int = 7) -> dict[str, int]:
        """Create the example's tables (dropping old ones) and fill them for ``rows`` units; rows per table.

        Deterministic: the same ``rows`` and ``seed`` give the same rows on every database.
        """
        rng = random.Random(seed)
        recreate(engine, self.metadata)
        return insert_rows(engine, self.metadata, self.build_rows(rng, rows))

    @property
    def files(self) -> Traversable:
        """The directory of the example's packaged files."""
        return resources.files(self.package)

    @property
    def schema_sql(self) -> Traversable:
        """The packaged ``schema.sql`` (a real file in any unzipped install)."""
        return self.files / SCHEMA_FILE

    @property
    def access_patterns(self) -> Traversable:
        """The packaged ``access_patterns.yaml``."""
        return self.files / PATTERNS_FILE

    @property
    def query_log(self) -> Traversable | None:
        """The packaged query log (``-- calls: N`` format), if the example has one."""
        return self.files / QUERY_LOG_FILE if self.has_query_log else None

    def patterns(self) -> PatternsFile:
        """``access_patterns.yaml``, read and validated."""
        return parse_patterns(self.access_patterns.read_text(encoding="utf-8"), source=f"{self.name}/{PATTERNS_FILE}")


def render_schema_sql(example: Example) -> str:
    """The text of ``schema.sql``: CREATE TABLE and CREATE INDEX for the metadata, in its dialect.

    Tables come in dependency order, each followed by its indexes by name,
    so the file runs top to bottom on an empty database.
    """
    # The URL's default driver is never loaded: the dialect only compiles DDL here.
    dialect: Dialect = sa.make_url(f"{example.dialect}://").get_dialect()()
    parts = [
        f"-- {example.title}: the source schema, {get_dialect(example.dialect).title} DDL.\n"
        "-- Rendered by sql2dynamo.examples.render_schema_sql from the example's SQLAlchemy metadata;\n"
        "-- do not edit: change the metadata and run `python -m sql2dynamo.examples`.\n"
    ]
    for table in example.metadata.sorted_tables:
        parts.append(_statement(CreateTable(table).compile(dialect=dialect)))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            parts.append(_statement(CreateIndex(index).compile(dialect=dialect)))
    return "\n".join(parts)


def _statement(compiled: sa.sql.compiler.Compiled) -> str:
    # SQLAlchemy indents with tabs and leaves "col, \n": tidy both for a file people read.
    lines = [line.rstrip().replace("\t", "    ") for line in str(compiled).strip().splitlines()]
    return "\n".join(lines) + ";\n"


def recreate(engine: sa.Engine, metadata: sa.MetaData) -> None:
    """Drop the example's tables (those that exist) and create them afresh.

    Another application's table with a foreign key to one of ours (two
    examples both have ``users``) would block the drop: an
    :class:`InputError` says so instead of a driver error, and nothing is dropped.
    """
    inspector = sa.inspect(engine)
    existing = set(inspector.get_table_names())
    ours = set(metadata.tables)
    if existing & ours:
        for other in sorted(existing - ours):
            for fk in inspector.get_foreign_keys(other):
                if fk["referred_table"] in ours:
                    raise InputError(
                        f"table {other} refers to {fk['referred_table']}, which generating this example "
                        "would drop and recreate",
                        hint="generate the example into an empty database (or one holding only this example)",
                        table=other,
                    )
    metadata.drop_all(engine)
    metadata.create_all(engine)


def insert_rows(
    engine: sa.Engine, metadata: sa.MetaData, rows: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, int]:
    """Insert ``rows`` (table name -> rows, explicit ids) in dependency order; rows per table.

    Every table of ``metadata`` appears in the result, empty ones with 0.
    """
    with engine.begin() as conn, warnings.catch_warnings():
        # SQLite keeps NUMERIC as a float; for generated prices that rounding is fine.
        warnings.filterwarnings("ignore", "Dialect sqlite.*Decimal", SAWarning)
        for table in metadata.sorted_tables:
            data = rows.get(table.name, ())
            for start in range(0, len(data), _BATCH):
                conn.execute(table.insert(), list(data[start : start + _BATCH]))
        if conn.dialect.name == "postgresql":
            _advance_sequences(conn, metadata.sorted_tables)
    return {table.name: len(rows.get(table.name, ())) for table in metadata.sorted_tables}


def _advance_sequences(conn: sa.Connection, tables: Iterable[sa.Table]) -> None:
    """Move each serial column's sequence past the explicit ids, so application INSERTs still work.

    MySQL and SQLite do this by themselves; PostgreSQL's sequences ignore
    explicitly given values.
    """
    for table in tables:
        column = table.autoincrement_column
        if column is None or not isinstance(column.type, sa.Integer):
            continue
        conn.execute(
            sa.select(
                sa.func.setval(
                    sa.func.pg_get_serial_sequence(table.name, column.name),
                    sa.func.coalesce(sa.func.max(column), 1),
                    sa.func.max(column).is_not(None),
                )
            )
        )
