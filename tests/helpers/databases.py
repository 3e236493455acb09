"""The PostgreSQL and MariaDB servers on 127.0.0.1, and fresh databases on them, for the tests.

``scripts/services.sh up`` starts the servers with the settings the tests need.  A server that does not
answer skips its tests outside CI, with a loud line closing the run, and fails them under ``CI=true``.
Every database is created under a unique name and dropped by the factory that made it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa

from tests.helpers.skips import shout, skip_or_fail

PG_ADMIN_URL = os.environ.get("SQL2DYNAMO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARIA_ADMIN_URL = os.environ.get("SQL2DYNAMO_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test")

SOURCES = ("sqlite", "postgresql", "mysql")
"""The three kinds of source database, as ``empty_database`` names them."""

PG_CREATE = 'CREATE DATABASE "{name}"'
PG_DROP = 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
MARIA_CREATE = "CREATE DATABASE `{name}` CHARACTER SET utf8mb4"
MARIA_DROP = "DROP DATABASE IF EXISTS `{name}`"

_unreachable: dict[str, str] = {}
"""Server name -> why it did not answer: asked once per run, then every test that needs it skips at once."""


def server_or_skip(name: str, url: str) -> sa.Engine:
    """An AUTOCOMMIT engine on the server at ``url`` if it answers; else skip (fail under CI) naming ``name``."""
    if name in _unreachable:
        _unreachable_server(name)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        _unreachable[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        _unreachable_server(name)
    return engine


def _unreachable_server(name: str) -> NoReturn:
    skip_or_fail(f"{name} unreachable ({_unreachable[name]}); start it with: sudo scripts/services.sh up")


def report_unreachable(terminalreporter: pytest.TerminalReporter) -> None:
    """One loud line per server that did not answer during the run."""
    for name, why in _unreachable.items():
        shout(
            terminalreporter,
            f"{name} WAS UNREACHABLE: its tests were skipped ({why}). "
            "Run `sudo scripts/services.sh up` and test again.",
        )


def unique_name(prefix: str) -> str:
    """A database name no other test uses: ``s2d_<prefix>_<8 hex digits>``."""
    return f"s2d_{prefix}_{uuid.uuid4().hex[:8]}"


def database_factory(admin: sa.Engine, admin_url: str, create: str, drop: str) -> Iterator[Callable[[str], str]]:
    """Yield ``make(prefix) -> URL`` creating empty databases on ``admin``'s server; drop them all afterwards.

    ``create`` and ``drop`` are the server's statements with a ``{name}`` placeholder.
    """
    created: list[str] = []

    def make(prefix: str = "t") -> str:
        name = unique_name(prefix)
        with admin.connect() as conn:
            conn.execute(sa.text(create.format(name=name)))
        created.append(name)
        return str(sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False))

    yield make
    with admin.connect() as conn:
        for name in created:
            conn.execute(sa.text(drop.format(name=name)))


def empty_database(request: pytest.FixtureRequest, kind: str, directory: Path, name: str) -> str:
    """The URL of a fresh, empty database of ``kind``: ``sqlite``, ``postgresql``, or ``mysql``/``mariadb``.

    SQLite: the file ``name.sqlite`` in ``directory``; a server: a database named after ``name``
    from the ``new_pg_db`` or ``new_maria_db`` fixture, dropped at the end of the session.
    """
    if kind == "sqlite":
        return f"sqlite:///{directory / name}.sqlite"
    make: Callable[[str], str] = request.getfixturevalue("new_pg_db" if kind == "postgresql" else "new_maria_db")
    return make(name)
