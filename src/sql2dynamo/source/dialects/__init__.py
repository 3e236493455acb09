"""The registry of source dialects, each with documented capability flags.

Like sqlglot's dialect registry: code asks a dialect what it can do instead of
testing names all over the tree.  Catalog SQL that SQLAlchemy's inspector does
not cover lives in ``<dialect>_<query>.sql`` files beside this module (as
pgloader keeps its catalog queries), loaded with :func:`catalog_sql`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from sql2dynamo.common.errors import UsageError


@dataclass(frozen=True)
class Dialect:
    """What sql2dynamo knows about one family of source databases."""

    name: str  # registry key, also written to schema.json
    title: str
    sqlalchemy_backends: frozenset[str]  # URL backend names that mean this dialect
    sqlglot: str  # sqlglot's name for it
    # Capability flags, each documented where it is used:
    tablesample: bool  # TABLESAMPLE SYSTEM gives a bounded-cost random sample
    catalog_row_estimate: bool  # the catalog holds a cheap row-count estimate
    workload_source: str | None  # which statement statistics the server keeps
    has_routines: bool  # stored procedures/functions exist
    has_schemas: bool  # tables live in named schemas within a database


DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect(
            name="postgresql",
            title="PostgreSQL",
            sqlalchemy_backends=frozenset({"postgresql", "postgres"}),
            sqlglot="postgres",
            tablesample=True,
            catalog_row_estimate=True,
            workload_source="pg_stat_statements",
            has_routines=True,
            has_schemas=True,
        ),
        Dialect(
            name="mysql",
            title="MySQL/MariaDB",
            sqlalchemy_backends=frozenset({"mysql", "mariadb"}),
            sqlglot="mysql",
            tablesample=False,
            catalog_row_estimate=True,
            workload_source="performance_schema",
            has_routines=True,
            has_schemas=False,
        ),
        Dialect(
            name="sqlite",
            title="SQLite",
            sqlalchemy_backends=frozenset({"sqlite"}),
            sqlglot="sqlite",
            tablesample=False,
            catalog_row_estimate=False,
            workload_source=None,
            has_routines=False,
            has_schemas=False,
        ),
    )
}

# Names users may give to --dialect (DDL mode) besides the registry keys.
ALIASES = {"postgres": "postgresql", "pg": "postgresql", "mariadb": "mysql"}


def get_dialect(name: str) -> Dialect:
    """The dialect called ``name`` (registry key or alias); a usage error otherwise."""
    key = ALIASES.get(name.lower(), name.lower())
    try:
        return DIALECTS[key]
    except KeyError:
        known = ", ".join(sorted([*DIALECTS, *ALIASES]))
        raise UsageError(f"unknown dialect {name!r}", hint=f"use one of: {known}") from None


def dialect_for_backend(backend: str) -> Dialect:
    """The dialect of a SQLAlchemy URL's backend name (``postgresql``, ``mysql``...)."""
    for dialect in DIALECTS.values():
        if backend in dialect.sqlalchemy_backends:
            return dialect
    raise UsageError(
        f"unsupported source database {backend!r}",
        hint="sql2dynamo reads PostgreSQL (postgresql+psycopg://), MySQL/MariaDB (mysql+pymysql://) "
        "and SQLite (sqlite:///file.db)",
    )


@cache
def catalog_sql(dialect: str, query: str) -> str:
    """The text of ``<dialect>_<query>.sql`` shipped beside this module."""
    return resources.files(__package__).joinpath(f"{dialect}_{query}.sql").read_text(encoding="utf-8")
