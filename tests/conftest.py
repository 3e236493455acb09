"""Real servers for the tests, never mocks: the fixtures every folder uses.

PostgreSQL and MariaDB on 127.0.0.1 (``tests/helpers/databases.py``) and the official DynamoDB Local
jar (``tests/helpers/dynamodb.py``).  Outside CI a test whose server is unreachable is skipped and a
loud line closes the run; under ``CI=true`` it fails instead.  Each test database is created fresh
under a unique name and dropped afterwards.  The logic lives in ``tests/helpers/``; this file only
turns it into fixtures.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import running_local
from tests.helpers import databases, dynamodb
from tests.helpers.chinook import load_chinook_mysql, load_chinook_postgres
from tests.helpers.data import CHINOOK


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name every server that was missing, loudly, at the end of the run."""
    databases.report_unreachable(terminalreporter)
    dynamodb.report_unavailable(terminalreporter)


# ------------------------------------------------------------------ PostgreSQL and MariaDB


@pytest.fixture(scope="session")
def pg_admin() -> sa.Engine:
    """An AUTOCOMMIT engine on the PostgreSQL server's ``postgres`` database."""
    return databases.server_or_skip("PostgreSQL", databases.PG_ADMIN_URL)


@pytest.fixture(scope="session")
def maria_admin() -> sa.Engine:
    """An AUTOCOMMIT engine on the MariaDB server."""
    return databases.server_or_skip("MariaDB", databases.MARIA_ADMIN_URL)


@pytest.fixture(scope="session")
def new_pg_db(pg_admin: sa.Engine) -> Iterator[Callable[[str], str]]:
    """Factory: create an empty PostgreSQL database, return its URL; all dropped at the end."""
    yield from databases.database_factory(pg_admin, databases.PG_ADMIN_URL, databases.PG_CREATE, databases.PG_DROP)


@pytest.fixture(scope="session")
def new_maria_db(maria_admin: sa.Engine) -> Iterator[Callable[[str], str]]:
    """Factory: create an empty MariaDB database, return its URL; all dropped at the end."""
    yield from databases.database_factory(
        maria_admin, databases.MARIA_ADMIN_URL, databases.MARIA_CREATE, databases.MARIA_DROP
    )


@pytest.fixture(scope="session")
def chinook_pg_url(new_pg_db: Callable[[str], str]) -> str:
    """Chinook loaded once per session into a fresh PostgreSQL database (tables: snake_case)."""
    url = new_pg_db("chinook")
    load_chinook_postgres(url, CHINOOK / "Chinook_PostgreSql.sql")
    return url


@pytest.fixture(scope="session")
def chinook_maria_url(new_maria_db: Callable[[str], str]) -> str:
    """Chinook loaded once per session into a fresh MariaDB database (tables: PascalCase)."""
    url = new_maria_db("chinook")
    load_chinook_mysql(url, CHINOOK / "Chinook_MySql.sql")
    return url


@pytest.fixture(scope="session")
def chinook_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A private copy of the Chinook SQLite file."""
    path = tmp_path_factory.mktemp("chinook") / "chinook.sqlite"
    shutil.copy(CHINOOK / "Chinook_Sqlite.sqlite", path)
    return f"sqlite:///{path}"


@pytest.fixture(params=databases.SOURCES)
def chinook_url(request: pytest.FixtureRequest) -> str:
    """Chinook in each of the three source databases, in turn."""
    fixture = {"sqlite": "chinook_sqlite_url", "postgresql": "chinook_pg_url", "mysql": "chinook_maria_url"}
    return str(request.getfixturevalue(fixture[request.param]))


# ------------------------------------------------------------------ DynamoDB Local


@pytest.fixture(scope="session")
def dynamodb_jar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DynamoDB Local jar: already installed, or installed now into a session home."""
    return dynamodb.jar_or_skip(lambda: tmp_path_factory.mktemp("s2d-install-home"))


@pytest.fixture(scope="module")
def shared_local(
    tmp_path_factory: pytest.TempPathFactory, dynamodb_jar: Path
) -> Iterator[tuple[local.LocalInstance, Path]]:
    """One in-memory instance for a whole module, with the home it runs in."""
    home = tmp_path_factory.mktemp("s2d-shared-home")
    with pytest.MonkeyPatch.context() as mp:
        dynamodb.use_home(mp, home, dynamodb_jar)
        with running_local(in_memory=True) as instance:
            yield instance, home
