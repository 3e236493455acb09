"""Open a source database from its URL, turning driver failures into one-line errors.

Plain ``postgresql://`` and ``mysql://`` URLs get the drivers sql2dynamo ships
(psycopg 3, PyMySQL); SQLite files are opened read-only and must exist, because
SQLAlchemy would otherwise create an empty database and analyze nothing.
Values the driver cannot read come back as text or bytes for the transform
to reject (:mod:`~sql2dynamo.source.lenient`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL

from sql2dynamo.common.errors import SourceConnectionError, UsageError
from sql2dynamo.common.urls import parse_url, redact_text, redact_url, url_secrets
from sql2dynamo.source.dialects import Dialect, dialect_for_backend
from sql2dynamo.source.lenient import PG_OPTIONS, make_lenient

_DEFAULT_DRIVERS = {"postgresql": "psycopg", "postgres": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}
CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class Source:
    """An open source database: its engine, dialect and the URL as it may be shown."""

    engine: sa.Engine
    dialect: Dialect
    display_url: str
    database: str | None
    server_version: str | None


def normalize_url(url: str) -> URL:
    """Parse ``url`` and pick sql2dynamo's driver when none is named."""
    parsed = parse_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if not driver and backend in _DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=f"{backend}+{_DEFAULT_DRIVERS[backend]}")
    return parsed


def open_source(url: str) -> Source:
    """Connect to the source at ``url`` and check that it answers; errors name the fix."""
    parsed = normalize_url(url)
    dialect = dialect_for_backend(parsed.get_backend_name())
    display = redact_url(parsed)
    if dialect.name == "sqlite":
        engine = _sqlite_engine(parsed, display)
    else:
        connect_args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S}
        if dialect.name == "postgresql":
            given = parsed.query.get("options")
            connect_args["options"] = f"{given} {PG_OPTIONS}" if isinstance(given, str) else PG_OPTIONS
        try:
            engine = make_lenient(sa.create_engine(parsed, connect_args=connect_args, pool_pre_ping=True))
        except ModuleNotFoundError as exc:
            raise UsageError(
                f"no driver for {display}: {exc.name} is not installed",
                hint="use postgresql+psycopg:// or mysql+pymysql:// (installed with sql2dynamo)",
            ) from exc
    try:
        with engine.connect() as conn:
            version = _server_version(conn, dialect)
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        raise classify_connect_error(exc, parsed, display) from None
    return Source(engine, dialect, display, parsed.database, version)


def _sqlite_engine(parsed: URL, display: str) -> sa.Engine:
    database = parsed.database or ""
    if database in ("", ":memory:"):
        raise UsageError(
            f"{display} is an in-memory SQLite database with nothing to analyze",
            hint="name a database file: sqlite:///path/to/file.db",
        )
    path = Path(database)
    if not path.is_file():
        raise SourceConnectionError(
            f"SQLite database file not found: {path}",
            hint="check the path (sqlite:///relative.db or sqlite:////absolute/path.db)",
        )
    # Read-only URI: analysis must never create or change the file.
    uri = f"file:{path.resolve().as_posix()}?mode=ro"
    return make_lenient(
        sa.create_engine(
            sa.engine.URL.create("sqlite", database=uri, query={"uri": "true"}),
            connect_args={"check_same_thread": False},
        )
    )


def _server_version(conn: sa.Connection, dialect: Dialect) -> str | None:
    query = {
        "postgresql": "SELECT version()",
        "mysql": "SELECT VERSION()",
        "sqlite": "SELECT sqlite_version()",
    }
    value = conn.execute(sa.text(query[dialect.name])).scalar()
    text = str(value) if value is not None else None
    if dialect.name == "sqlite" and text:
        text = f"SQLite {text}"
    return text.split(" on ")[0] if text else None


def classify_connect_error(exc: sa.exc.DBAPIError, url: URL, display: str) -> SourceConnectionError:
    """One clear line per kind of connection failure, without the password."""
    raw = str(exc.orig) if exc.orig is not None else str(exc)
    text = redact_text(raw, *url_secrets(url)).strip().splitlines()[0] if raw.strip() else type(exc).__name__
    low = raw.lower()
    host = f"{url.host or 'localhost'}:{url.port or ''}".rstrip(":")
    if "password authentication failed" in low or "access denied" in low or "(1045" in low:
        return SourceConnectionError(
            f"login refused by {display}: wrong user name or password",
            hint="check the credentials in the URL (user:password@host)",
        )
    if ("database" in low and "does not exist" in low) or "unknown database" in low or "(1049" in low:
        return SourceConnectionError(
            f"database {url.database!r} does not exist on {host}",
            hint="check the database name at the end of the URL",
        )
    if "refused" in low or "can't connect" in low or "timeout" in low or "could not translate" in low:
        return SourceConnectionError(
            f"cannot reach {display}: {text}",
            hint="check that the server is running and the host and port are right",
        )
    if "unable to open database" in low or "not a database" in low or "file is encrypted" in low:
        return SourceConnectionError(f"cannot open {display}: {text}", hint="check that the file is a SQLite database")
    return SourceConnectionError(f"cannot connect to {display}: {text}")
