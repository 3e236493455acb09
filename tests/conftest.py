"""Real servers for the tests, never mocks.

PostgreSQL and MariaDB on 127.0.0.1 (``scripts/services.sh up`` starts them with
the settings the tests need).  Outside CI a test whose server is unreachable is
skipped and a loud line closes the run; under ``CI=true`` it fails instead.
Each test database is created fresh under a unique name and dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers.chinook import load_chinook_mysql, load_chinook_postgres

IN_CI = os.environ.get("CI") == "true"
DATA = Path(__file__).parent / "data"
PG_ADMIN_URL = os.environ.get("SQL2DYNAMO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARIA_ADMIN_URL = os.environ.get("SQL2DYNAMO_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test")

_unreachable: dict[str, str] = {}


def _server_or_skip(name: str, url: str) -> sa.Engine:
    if name in _unreachable:
        _skip_or_fail(name, _unreachable[name])
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        _unreachable[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        _skip_or_fail(name, _unreachable[name])
    return engine


def _skip_or_fail(name: str, why: str) -> None:
    message = f"{name} unreachable ({why}); start it with: sudo scripts/services.sh up"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, why in _unreachable.items():
        terminalreporter.write_line(
            f"!!!!! {name} WAS UNREACHABLE: its tests were skipped ({why}). "
            "Run `sudo scripts/services.sh up` and test again. !!!!!",
            red=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def pg_admin() -> sa.Engine:
    """An AUTOCOMMIT engine on the PostgreSQL server's ``postgres`` database."""
    return _server_or_skip("PostgreSQL", PG_ADMIN_URL)


@pytest.fixture(scope="session")
def maria_admin() -> sa.Engine:
    """An AUTOCOMMIT engine on the MariaDB server."""
    return _server_or_skip("MariaDB", MARIA_ADMIN_URL)


def _unique(prefix: str) -> str:
    return f"s2d_{prefix}_{uuid.uuid4().hex[:8]}"


def empty_database(request: pytest.FixtureRequest, kind: str, directory: Path, name: str) -> str:
    """The URL of a fresh, empty database of ``kind``: ``sqlite``, ``postgresql``, or ``mysql``/``mariadb``.

    SQLite: the file ``name.sqlite`` in ``directory``; a server: a database named after ``name``
    from :func:`new_pg_db` or :func:`new_maria_db`, dropped at the end of the session.
    """
    if kind == "sqlite":
        return f"sqlite:///{directory / name}.sqlite"
    make: Callable[[str], str] = request.getfixturevalue("new_pg_db" if kind == "postgresql" else "new_maria_db")
    return make(name)


@pytest.fixture(scope="session")
def new_pg_db(pg_admin: sa.Engine) -> Iterator[Callable[[str], str]]:
    """Factory: create an empty PostgreSQL database, return its URL; all dropped at the end."""
    created: list[str] = []

    def make(prefix: str = "t") -> str:
        name = _unique(prefix)
        with pg_admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return str(sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))

    yield make
    with pg_admin.connect() as conn:
        for name in created:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def new_maria_db(maria_admin: sa.Engine) -> Iterator[Callable[[str], str]]:
    """Factory: create an empty MariaDB database, return its URL; all dropped at the end."""
    created: list[str] = []

    def make(prefix: str = "t") -> str:
        name = _unique(prefix)
        with maria_admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        created.append(name)
        return str(sa.make_url(MARIA_ADMIN_URL).set(database=name).render_as_string(hide_password=False))

    yield make
    with maria_admin.connect() as conn:
        for name in created:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{name}`"))


@pytest.fixture(scope="session")
def chinook_pg_url(new_pg_db: Callable[[str], str]) -> str:
    """Chinook loaded once per session into a fresh PostgreSQL database (tables: snake_case)."""
    url = new_pg_db("chinook")
    load_chinook_postgres(url, DATA / "chinook" / "Chinook_PostgreSql.sql")
    return url


@pytest.fixture(scope="session")
def chinook_maria_url(new_maria_db: Callable[[str], str]) -> str:
    """Chinook loaded once per session into a fresh MariaDB database (tables: PascalCase)."""
    url = new_maria_db("chinook")
    load_chinook_mysql(url, DATA / "chinook" / "Chinook_MySql.sql")
    return url


@pytest.fixture(scope="session")
def chinook_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A private copy of the Chinook SQLite file."""
    path = tmp_path_factory.mktemp("chinook") / "chinook.sqlite"
    shutil.copy(DATA / "chinook" / "Chinook_Sqlite.sqlite", path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def chinook_url(request: pytest.FixtureRequest) -> str:
    """Chinook in each of the three source databases, in turn."""
    fixture = {"sqlite": "chinook_sqlite_url", "postgresql": "chinook_pg_url", "mysql": "chinook_maria_url"}
    return str(request.getfixturevalue(fixture[request.param]))
