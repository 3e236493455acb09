"""Missing server settings and privileges are named exactly, with exit code 5; SQLite points to the outbox.

Checked on the real servers with what can be changed per test without disturbing other tests: a role or
user without replication rights, a table without REPLICA IDENTITY FULL.  (``wal_level`` and the binlog
formats are server-wide: the configured servers show the positive case.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.sync import sync
from sql2dynamo.common.errors import PrerequisiteError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.sync import mysql, pg_slot
from sql2dynamo.sync.begin import control_name
from sql2dynamo.sync.control import ControlTable
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.testing.sync_world import decision_model, fill
from tests.helpers.sync import leftover_slots

pytestmark = pytest.mark.dynamodb


def test_configured_servers_are_ready(new_pg_db: Callable[[str], str], new_maria_db: Callable[[str], str]) -> None:
    engine = sa.create_engine(new_pg_db("ready"))
    try:
        assert pg_slot.check_server(engine, [], []) == []
    finally:
        engine.dispose()
    engine = sa.create_engine(new_maria_db("ready"))
    try:
        assert mysql.check_server(engine) == []
    finally:
        engine.dispose()


def test_postgres_names_replica_identity_and_replication_role(
    new_pg_db: Callable[[str], str],
    pg_admin: sa.Engine,
    tmp_path: Path,
    endpoint: str,
    deployed: Callable[[Path], None],
    slot_name: str,
) -> None:
    url = new_pg_db("settings")
    fill(url, 5)
    model_dir = decision_model(url, tmp_path / "model")
    deployed(model_dir)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE users REPLICA IDENTITY DEFAULT"))
    engine.dispose()
    with pytest.raises(PrerequisiteError) as caught:
        migrate(url, model_dir, endpoint, reporter=RecordingReporter(), with_sync=True, slot=slot_name)
    assert caught.value.exit_code == 5
    assert 'ALTER TABLE "users" REPLICA IDENTITY FULL' in caught.value.message
    assert "audio_files" not in caught.value.message  # keyed on its primary key only
    assert slot_name not in leftover_slots(pg_admin)

    role = f"s2d_norepl_{uuid.uuid4().hex[:6]}"
    database = sa.make_url(url).database
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(sa.text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
    try:
        weak = sa.make_url(url).set(username=role)
        weak_engine = sa.create_engine(weak)
        try:
            problems = pg_slot.check_server(weak_engine, ["users"], [])
        finally:
            weak_engine.dispose()
        assert problems == [
            f"role {role} lacks the REPLICATION attribute (ALTER ROLE {role} REPLICATION, as a superuser)"
        ]
    finally:
        with pg_admin.connect() as conn:
            conn.execute(sa.text(f'REVOKE CONNECT ON DATABASE "{database}" FROM {role}'))
            conn.execute(sa.text(f"DROP ROLE {role}"))
    assert ControlTable(boto_client(endpoint)).get(control_name(slot_name)) is None


def test_mariadb_names_missing_privileges(new_maria_db: Callable[[str], str], maria_admin: sa.Engine) -> None:
    url = new_maria_db("grants")
    user = f"s2d_norepl_{uuid.uuid4().hex[:6]}"
    database = sa.make_url(url).database
    with maria_admin.connect() as conn:
        conn.execute(sa.text(f"CREATE USER '{user}'@'%'"))
        conn.execute(sa.text(f"CREATE USER '{user}'@'localhost'"))
        conn.execute(sa.text(f"GRANT SELECT ON `{database}`.* TO '{user}'@'%'"))
        conn.execute(sa.text(f"GRANT SELECT ON `{database}`.* TO '{user}'@'localhost'"))
    try:
        engine = sa.create_engine(sa.make_url(url).set(username=user))
        try:
            problems = mysql.check_server(engine)
        finally:
            engine.dispose()
        assert len(problems) == 2, problems
        assert "REPLICATION SLAVE" in problems[0] and "REPLICATION CLIENT" in problems[1]
        with pytest.raises(PrerequisiteError) as caught:
            engine = sa.create_engine(sa.make_url(url).set(username=user))
            try:
                mysql.require_server(engine)
            finally:
                engine.dispose()
        assert caught.value.exit_code == 5 and "REPLICATION SLAVE" in caught.value.message
    finally:
        with maria_admin.connect() as conn:
            conn.execute(sa.text(f"DROP USER '{user}'@'%'"))
            conn.execute(sa.text(f"DROP USER '{user}'@'localhost'"))


def test_sqlite_points_to_the_outbox(tmp_path: Path, endpoint: str, deployed: Callable[[Path], None]) -> None:
    url = f"sqlite:///{tmp_path / 'dd.sqlite'}"
    fill(url, 3)
    model_dir = decision_model(url, tmp_path / "model")
    deployed(model_dir)
    with pytest.raises(UsageError) as caught:
        sync(url, model_dir, endpoint, reporter=RecordingReporter())
    assert caught.value.exit_code == 2 and "outbox" in (caught.value.hint or "")
    with pytest.raises(UsageError) as again:
        migrate(url, model_dir, endpoint, reporter=RecordingReporter(), with_sync=True)
    assert "outbox" in (again.value.hint or "")
    client = boto_client(endpoint)
    assert (
        "sql2dynamo_control" not in client.list_tables()["TableNames"]
        or not client.scan(TableName="sql2dynamo_control")["Items"]
    )


def test_sync_without_a_started_stream_says_how_to_start(
    new_pg_db: Callable[[str], str], tmp_path: Path, endpoint: str, deployed: Callable[[Path], None]
) -> None:
    url = new_pg_db("nostream")
    fill(url, 3)
    model_dir = decision_model(url, tmp_path / "model")
    deployed(model_dir)
    with pytest.raises(UsageError) as caught:
        sync(url, model_dir, endpoint, reporter=RecordingReporter(), slot="s2d_test_never")
    assert "migrate --with-sync" in (caught.value.hint or "")


def test_slot_names_are_checked(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        sync("sqlite:///nowhere.db", tmp_path, "local", reporter=RecordingReporter(), slot="Bad-Name; DROP")
    assert "not a valid slot name" in caught.value.message
