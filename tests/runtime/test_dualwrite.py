"""Dual-write keeps the Decision Data example application in step with DynamoDB, through an outage.

Real parts only: the application's database is SQLite, PostgreSQL or MariaDB;
DynamoDB is DynamoDB Local, reached through the fault proxy so it can become
unreachable; the backfill is ``migrate`` and the judge is ``verify``.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from botocore.config import Config
from sqlalchemy.orm import Session, sessionmaker

from sql2dynamo.commands.cutover import sync_outbox
from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.errors import UnsupportedError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.cutover.dualwrite import DualWrite, enable_dual_write
from sql2dynamo.cutover.outbox import outbox_status
from sql2dynamo.cutover.shadow import ShadowReader
from sql2dynamo.design.model import DataModel
from sql2dynamo.examples.decision_data import EPOCH, EXAMPLE, audio_files
from sql2dynamo.examples.decision_data.app import AudioFile, DecisionDataApp, all_keys, run_workload, session_factory
from sql2dynamo.runtime import Repository
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.testing.proxy import FaultProxy, Faults
from tests.helpers.data import copy_golden_model
from tests.helpers.databases import empty_database

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.dynamodb


def fast_client(endpoint_url: str) -> DynamoDBClient:
    """No botocore retries and short timeouts: an unreachable DynamoDB fails the call at once."""
    config = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=2, read_timeout=5)
    return boto_client(endpoint_url, config)


@dataclass
class Setup:
    """A backfilled Decision Data source and target, and the proxy in front of the target."""

    url: str
    engine: sa.Engine
    model_dir: Path
    model: DataModel
    endpoint: str
    proxy: FaultProxy
    client: DynamoDBClient
    sessions: sessionmaker[Session]
    app: DecisionDataApp


def prepare(url: str, tmp_path: Path, endpoint: str, users: int = 12) -> tuple[sa.Engine, Path, DataModel]:
    """Generate the example's rows, deploy its golden model's tables (fresh) and backfill them with migrate."""
    model_dir = copy_golden_model("decision_data", "multi-table", tmp_path / "model")
    engine = sa.create_engine(url)
    EXAMPLE.generate(engine, users, seed=3)
    plain = fast_client(endpoint)
    for name in plain.list_tables()["TableNames"]:
        plain.delete_table(TableName=name)
    deploy(model_dir, endpoint, reporter=RecordingReporter())
    moved = migrate(url, model_dir, endpoint, reporter=RecordingReporter())
    assert moved.totals()["failed"] == 0
    return engine, model_dir, load_model(model_dir)[1]


@pytest.fixture
def setup(request: pytest.FixtureRequest, endpoint: str, tmp_path: Path) -> Iterator[Setup]:
    kind = getattr(request, "param", "sqlite")
    url = empty_database(request, kind, tmp_path, "dualwrite")
    engine, model_dir, model = prepare(url, tmp_path, endpoint)
    with FaultProxy(endpoint, Faults(), seed=5) as proxy:
        sessions = session_factory(engine)
        yield Setup(
            url, engine, model_dir, model, endpoint, proxy, fast_client(proxy.url), sessions, DecisionDataApp(sessions)
        )
    engine.dispose()


def enable(s: Setup, reporter: RecordingReporter | None = None, **options: object) -> DualWrite:
    dual = enable_dual_write(s.sessions, s.model_dir, s.client, reporter=reporter or RecordingReporter(), **options)  # type: ignore[arg-type]
    return dual


def verified(s: Setup) -> dict[str, int]:
    result = verify(s.url, s.model_dir, s.endpoint, reporter=RecordingReporter())
    assert result.ok, [d.as_dict() for d in result.comparison.differences[:5]]
    return result.totals()


def shadow_all(s: Setup, client: DynamoDBClient | None = None, attempts: int = 8) -> ShadowReader:
    """Read every user, e-mail and file through a ShadowReader that compares every request."""
    repository = Repository(s.model, client or fast_client(s.endpoint), max_attempts=attempts)
    reader = ShadowReader(repository, engine=s.engine)
    app = DecisionDataApp(s.sessions, reader)
    user_ids, file_ids, emails = all_keys(app)
    for user_id in user_ids:
        app.get_user(user_id)
        app.list_audio_files(user_id)
    for file_id in file_ids:
        app.get_audio_file(file_id)
    for email in emails:
        app.login(email)
    return reader


def explain_mismatches(s: Setup, reader: ShadowReader) -> str:
    """Both sides of each mismatch, with what the table, its index and the source hold now, and a second read.

    A mismatch after a clean ``verify`` is rare and timing-dependent; this says which side moved.
    """
    report: list[dict[str, object]] = []
    table = next(t for t in s.model.tables if t.name == "audio_files")
    client = fast_client(s.endpoint)
    for seen in reader.recent_mismatches:
        entry: dict[str, object] = dict(seen)
        if seen["pattern_id"] == "AP05":
            user = seen["params"]["user_id"]
            value: dict[str, Any] = {":u": {"S": user}}
            condition = "user_id = :u"
            scan = client.scan(
                TableName=table.name, FilterExpression=condition, ExpressionAttributeValues=value, ConsistentRead=True
            )
            entry["items_now"] = scan["Items"]
            query = client.query(
                TableName=table.name,
                IndexName=table.indexes[0].name,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=value,
            )
            entry["index_now"] = query["Items"]
            with s.engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(sa.select(audio_files)).mappings()]
            entry["source_now"] = [r for r in rows if str(r["user_id"]).replace("-", "") == user.replace("-", "")]
        report.append(entry)
    again = shadow_all(s).totals()["mismatches"]
    return json.dumps({"mismatches": report, "mismatches_on_a_second_read": again}, default=str)


@pytest.mark.parametrize("setup", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_app_stays_in_step_through_an_outage_and_the_outbox_drains(setup: Setup) -> None:
    s = setup
    reporter = RecordingReporter()
    dual = enable(s, reporter, retry_after_s=0.0)
    try:
        done = run_workload(s.app, 30, seed=1)
        stats = dual.stats()
        assert stats.captured > 20 and stats.mirrored == stats.captured and stats.mirror_failures == 0
        assert outbox_status(s.engine).entries == 0
        verified(s)

        # DynamoDB unreachable: some calls never arrive, some arrive and their answer is lost.
        s.proxy.set_faults(Faults(drop=0.7, drop_after=0.3))
        outage = run_workload(s.app, 30, seed=2)  # the application never notices
        assert sum(outage.values()) == 30 and sum(done.values()) == 30
        stats = dual.stats()
        assert stats.mirror_failures > 0 and stats.last_error is not None
        pending = outbox_status(s.engine).entries
        assert pending > 0
        assert any("wait in sql2dynamo_outbox" in w for w in reporter.messages("warning"))
        during = shadow_all(s, s.client, attempts=1)  # shadow reads fall back to the source and count the errors
        assert during.totals()["dynamodb_errors"] > 0 and during.totals()["served_source"] == during.totals()["reads"]

        s.proxy.set_faults(Faults())
        drained = sync_outbox(s.url, s.model_dir, s.proxy.url, reporter=RecordingReporter(), client=s.client)
        assert drained.drain.applied == pending and drained.drain.remaining == 0
        assert outbox_status(s.engine).entries == 0
        totals = verified(s)
        assert totals["missing"] == totals["extra"] == totals["different"] == 0
        after = shadow_all(s)
        assert after.totals()["compared"] == after.totals()["reads"] > 50
        assert after.totals()["mismatches"] == 0, explain_mismatches(s, after)
    finally:
        dual.close()


def test_a_rolled_back_transaction_leaves_nothing_behind(setup: Setup) -> None:
    s = setup
    dual = enable(s)
    try:
        before = outbox_status(s.engine).entries
        with pytest.raises(RuntimeError), s.sessions.begin() as session:
            session.add(
                AudioFile(
                    file_id=uuid.uuid4(), user_id=all_keys(s.app)[0][0], s3_key="x", file_size=1, uploaded_at=EPOCH
                )
            )
            session.flush()  # the outbox entry is written ...
            assert dual.stats().captured == 1
            raise RuntimeError("the application changes its mind")  # ... and rolled back with the row
        assert outbox_status(s.engine).entries == before == 0
        assert dual.stats().mirrored == 0
        verified(s)
    finally:
        dual.close()


def test_key_updates_bulk_updates_and_bulk_deletes_are_followed(setup: Setup) -> None:
    s = setup
    dual = enable(s)
    try:
        user_ids, file_ids, _ = all_keys(s.app)
        with s.sessions.begin() as session:  # an ORM primary-key update: delete + put
            record = session.get(AudioFile, file_ids[0])
            assert record is not None
            record.file_id = uuid.uuid4()
        with s.sessions.begin() as session:  # a bulk UPDATE through the session
            session.execute(sa.update(AudioFile).where(audio_files.c.user_id == user_ids[0]).values(file_size=7))
        with s.sessions.begin() as session:  # a bulk DELETE
            session.execute(sa.delete(AudioFile).where(audio_files.c.file_id == file_ids[1]))
        s.app.change_email(user_ids[1], "renamed@example.org")  # moves the unique lookup item
        assert dual.stats().mirrored == dual.stats().captured > 0
        verified(s)
        with pytest.raises(UnsupportedError, match="changes its primary key"), s.sessions.begin() as session:
            session.execute(
                sa.update(AudioFile).where(audio_files.c.file_id == file_ids[2]).values(file_id=uuid.uuid4())
            )
        verified(s)  # refused before it ran: nothing changed anywhere
    finally:
        dual.close()


def test_queue_only_mode_and_the_engine_target(setup: Setup) -> None:
    s = setup
    dual = enable_dual_write(s.engine, s.model, s.client, reporter=RecordingReporter(), mirror=False)
    try:
        other = sa.create_engine("sqlite://")  # sessions of another engine are not watched
        DecisionDataApp(session_factory(other)).register("elsewhere@example.org", "h", "s", EPOCH)
        s.app.register("queued@example.org", "h", "s", EPOCH)
        assert (dual.stats().captured, dual.stats().mirrored) == (1, 0)  # one row, one change, nothing applied yet
        assert outbox_status(s.engine).entries == 1
        with pytest.raises(AssertionError):
            verified(s)
        drained = dual.drain()
        assert (drained.applied, drained.remaining) == (1, 0)
        verified(s)
        other.dispose()
    finally:
        dual.close()


def test_bad_options_are_usage_errors(setup: Setup) -> None:
    with pytest.raises(UsageError, match="engine"):
        enable_dual_write(sessionmaker(), setup.model, setup.client, reporter=RecordingReporter())
    with pytest.raises(UsageError, match="mirror_batch"):
        enable(setup, mirror_batch=0)


def test_the_breaker_spares_the_application_one_timeout_per_commit(setup: Setup) -> None:
    s = setup
    dual = enable(s, retry_after_s=60.0)
    try:
        s.proxy.set_faults(Faults(drop=1.0))
        for i in range(5):
            s.app.register(f"breaker{i}@example.org", "h", "s", EPOCH)
        stats = dual.stats()
        assert (stats.captured, stats.mirror_failures, stats.mirror_skipped, stats.mirrored) == (5, 1, 4, 0)
        s.proxy.set_faults(Faults())
        assert dual.drain().applied == 5
        verified(s)
    finally:
        dual.close()


def _own_workload(app: DecisionDataApp, tag: str, errors: list[BaseException]) -> None:
    """Each thread works on its own users and files, so every step is valid whatever the interleaving."""
    try:
        for i in range(3):
            user = app.register(f"{tag}-{i}@example.org", "h", "s", EPOCH)
            files = [app.create_audio_file(user, f"{tag}/{i}/{n}.opus", 100 + n, EPOCH) for n in range(3)]
            app.rename_file(files[0], f"{tag}/{i}/renamed.opus", 1)
            app.change_email(user, f"{tag}-{i}-moved@example.org")
            app.delete_audio_file(files[1], user)
    except BaseException as exc:  # surfaced by the test
        errors.append(exc)


@pytest.mark.parametrize("setup", ["postgresql", "mariadb"], indirect=True)
def test_concurrent_application_threads_stay_in_step(setup: Setup) -> None:
    s = setup
    dual = enable(s)
    try:
        errors: list[BaseException] = []
        threads = [threading.Thread(target=_own_workload, args=(s.app, f"t{n}", errors)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        stats = dual.stats()
        assert stats.captured == 6 * 3 * 7 and stats.mirror_failures == 0
        assert outbox_status(s.engine).entries == 0
        verified(s)
    finally:
        dual.close()


@pytest.mark.parametrize("setup", ["sqlite", "postgresql"], indirect=True)
def test_background_mirror_keeps_up_and_survives_an_outage(setup: Setup) -> None:
    s = setup
    dual = enable(s, background=True, retry_after_s=0.0)
    try:
        run_workload(s.app, 25, seed=5)
        assert dual.flush(30.0)
        stats = dual.stats()
        assert stats.mirrored == stats.captured > 0 and outbox_status(s.engine).entries == 0
        verified(s)
        s.proxy.set_faults(Faults(drop=1.0))
        run_workload(s.app, 15, seed=6)
        assert dual.flush(30.0)
        assert dual.stats().mirror_failures > 0 and outbox_status(s.engine).entries > 0
        s.proxy.set_faults(Faults())
        s.app.register("after-outage@example.org", "h", "s", EPOCH)  # the next commit retries the backlog too
        assert dual.flush(30.0)
        assert outbox_status(s.engine).entries == 0
        verified(s)
    finally:
        dual.close()
    assert dual._worker is not None and not dual._worker.is_alive()
