"""``cutover status|advance|rollback`` against DynamoDB Local: the whole walk, every refusal, two operators at once.

The source is Decision Data in SQLite, backfilled with ``migrate``; its
application dual-writes through the outbox; ``verify`` records its verdict
in the control table, as the gates need.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.cutover import CutoverResult, cutover, sync_outbox
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.cutover.dualwrite import enable_dual_write
from sql2dynamo.cutover.phases import CUTOVER_ITEM, PHASES, CutoverBlocked, load_state, move
from sql2dynamo.cutover.shadow import ShadowReader
from sql2dynamo.cutover.status import VERIFY_ITEM
from sql2dynamo.examples.decision_data import EPOCH
from sql2dynamo.examples.decision_data.app import DecisionDataApp, session_factory
from sql2dynamo.runtime import Repository
from sql2dynamo.sync.control import ControlTable, VersionConflict
from sql2dynamo.target import local
from tests.runtime.test_dualwrite import fast_client, prepare

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

pytestmark = pytest.mark.dynamodb


@dataclass
class World:
    url: str
    engine: sa.Engine
    model_dir: Path
    endpoint: str
    client: DynamoDBClient

    def control(self) -> ControlTable:
        return ControlTable(self.client)

    def args(self, with_source: bool = True) -> dict[str, Any]:
        return {
            "model_dir": self.model_dir,
            "target": self.endpoint,
            "source_url": self.url if with_source else None,
            "reporter": RecordingReporter(),
        }

    def advance(self, with_source: bool = True) -> CutoverResult:
        return cutover("advance", **self.args(with_source))

    def verify(self) -> bool:
        return verify(self.url, self.model_dir, self.endpoint, reporter=RecordingReporter()).ok


@pytest.fixture(scope="module")
def world(
    shared_local: tuple[local.LocalInstance, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    endpoint = shared_local[0].endpoint_url
    tmp = tmp_path_factory.mktemp("cutover")
    url = f"sqlite:///{tmp / 'decision_data.sqlite'}"
    engine, model_dir, _ = prepare(url, tmp, endpoint, users=8)
    yield World(url, engine, model_dir, endpoint, fast_client(endpoint))
    engine.dispose()


@pytest.fixture
def fresh(world: World) -> World:
    """No cut-over state yet: the control table is removed before each test."""
    names = world.client.list_tables()["TableNames"]
    if "sql2dynamo_control" in names:
        world.client.delete_table(TableName="sql2dynamo_control")
    return world


def blocked(world: World, match: str, with_source: bool = True) -> CutoverBlocked:
    with pytest.raises(CutoverBlocked, match=match) as caught:
        world.advance(with_source)
    assert caught.value.exit_code == 8 and "\n" not in caught.value.one_line()
    return caught.value


def test_the_whole_walk_with_every_gate(fresh: World) -> None:
    w = fresh
    first = cutover("status", **w.args(with_source=False))
    assert (first.status.phase, first.status.state.version, first.changed) == ("dual-write", 0, False)
    summary = first.summary()
    assert summary["command"] == "cutover" and summary["next_phase"] == "backfill" and summary["read_percent"] == 0
    blocked(w, "cannot advance from dual-write to backfill: replication lag unknown", with_source=False)

    # The application dual-writes; DynamoDB missed a change: it waits in the outbox and blocks.
    sessions = session_factory(w.engine)
    dual = enable_dual_write(sessions, w.model_dir, w.client, reporter=RecordingReporter(), mirror=False)
    try:
        DecisionDataApp(sessions).register("walker@example.org", "h", "s", EPOCH)
    finally:
        dual.close()
    error = blocked(w, "the outbox holds 1 changes: run `sql2dynamo sync SOURCE_URL --outbox`")
    assert error.context.extra["phase"] == "dual-write"
    assert sync_outbox(w.url, w.model_dir, w.endpoint, reporter=RecordingReporter()).drain.applied == 1

    moved = w.advance()
    assert (moved.before, moved.status.phase, moved.changed, moved.status.state.version) == (
        "dual-write",
        "backfill",
        True,
        1,
    )
    assert w.advance().status.phase == "verify"
    blocked(w, "no verify recorded")
    assert w.verify()
    assert w.control().get(VERIFY_ITEM)["ok"] is True  # type: ignore[index]
    assert w.advance().status.phase == "read-10"

    # Shadow reads disagree with the source: blocked until the readers' counters are clean again.
    repo = Repository.from_model_dir(w.model_dir, w.client)
    reader = ShadowReader(repo, engine=w.engine)
    user_id, email = w.engine.connect().execute(sa.text("SELECT user_id, email FROM users LIMIT 1")).one()
    reader.read("AP04", {"user_id": user_id}, source=lambda: [{"user_id": user_id, "email": "not " + email}])
    reader.record(w.control())
    blocked(w, "shadow reads found 1 mismatches in 1 comparisons")
    reader.reset()
    reader.read("AP04", {"user_id": user_id}, source=lambda: [{"user_id": user_id, "email": email}])
    reader.record(w.control())
    assert w.advance().status.summary()["shadow"]["mismatch_rate"] == 0.0

    # A failed verify blocks; after the fix, a new verify lets it go on.
    key = {"user_id": {"S": str(user_id)}}
    item = w.client.get_item(TableName="users", Key=key)["Item"]
    w.client.put_item(TableName="users", Item={**item, "email": {"S": "drifted@example.org"}})
    assert not w.verify()
    blocked(w, r"the last verify \(.* UTC\) found differences")
    w.client.put_item(TableName="users", Item=item)
    assert w.verify()
    assert w.advance().status.phase == "read-50"

    back = cutover("rollback", **w.args(), note="latency too high")
    assert (back.before, back.status.phase) == ("read-50", "read-25")
    assert back.status.state.history[-1]["action"] == "rollback" and back.status.state.history[-1]["note"]
    for phase in PHASES[PHASES.index("read-50") :]:
        assert w.advance().status.phase == phase
    final = cutover("status", **w.args())
    assert final.status.phase == "decommission" and final.summary()["write_primary"] == "dynamodb"
    blocked(w, "decommission is the last phase")
    with pytest.raises(UsageError, match="decommission is final"):
        cutover("rollback", **w.args())


def test_rolling_back_to_verify_needs_a_new_verify(fresh: World) -> None:
    w = fresh
    control = w.control()
    control.ensure()
    state = load_state(control)
    for phase in ("backfill", "verify", "read-10"):
        state = move(control, state, phase, action="advance")
    assert w.verify()
    assert cutover("rollback", **w.args()).status.phase == "verify"
    blocked(w, "the last verify is older than the verify phase")
    assert w.verify()
    assert w.advance().status.phase == "read-10"
    with pytest.raises(UsageError, match="first phase"):
        for _ in PHASES:
            cutover("rollback", **w.args())


def test_sync_lag_blocks_until_caught_up(fresh: World) -> None:
    w = fresh
    control = w.control()
    control.ensure()
    control.put("sync:sql2dynamo", {"lag_seconds": 3.5, "caught_up": False, "updated_at": 1.0})
    error = blocked(w, "replication lag is 3.5 s and sync has not caught up", with_source=False)
    assert "more" not in error.message
    status = cutover("status", **w.args(with_source=False)).status.summary()
    assert status["lag"]["sync_seconds"] == 3.5 and status["lag"]["outbox_entries"] is None
    control.put("sync:sql2dynamo", {"lag_seconds": 0.0, "caught_up": True, "updated_at": 2.0})
    assert w.advance(with_source=False).status.phase == "backfill"


def test_two_operators_cannot_both_advance(fresh: World, monkeypatch: pytest.MonkeyPatch) -> None:
    w = fresh
    control = w.control()
    control.ensure()
    stale = load_state(control)
    move(control, stale, "backfill", action="advance", by="alice")
    with pytest.raises(VersionConflict):
        move(control, stale, "backfill", action="advance", by="bob")

    # The command reads the state, another operator moves it, the command's write is refused.
    commands = importlib.import_module("sql2dynamo.commands.cutover")
    real_load = commands.load_state

    raced: list[bool] = []

    def read_then_lose_the_race(table: ControlTable, application: str | None = None) -> Any:
        seen = real_load(table, application)
        if not raced:
            raced.append(True)
            move(table, seen, "verify", action="advance", by="alice")
        return seen

    monkeypatch.setattr(commands, "load_state", read_then_lose_the_race)
    lost = r"another operator moved the cut-over meanwhile \(it is now at verify, version 2\); nothing was changed"
    with pytest.raises(VersionConflict, match=lost) as caught:
        w.advance()
    assert caught.value.exit_code == 6
    monkeypatch.undo()
    state = load_state(control)
    assert (state.phase, state.version) == ("verify", 2)
    assert [e.get("by") for e in state.history] == ["alice", "alice"]


def test_a_state_of_another_application_is_refused(fresh: World) -> None:
    w = fresh
    control = w.control()
    control.ensure()
    control.put(CUTOVER_ITEM, {"phase": "read-25", "application": "algoitny", "history": []})
    with pytest.raises(InputError, match="tracks the cut-over of algoitny, not decision_data"):
        cutover("status", **w.args())


@pytest.mark.parametrize(
    ("action", "note", "message"),
    [("jump", None, "unknown cut-over action 'jump'"), ("status", "why", "status records nothing")],
)
def test_bad_action_or_note_is_refused_before_any_call(action: Any, note: str | None, message: str) -> None:
    # A target nothing listens on: the refusal comes before the control table is touched.
    with pytest.raises(UsageError, match=message):
        cutover(action, Path("nowhere"), "http://127.0.0.1:9", reporter=RecordingReporter(), note=note)
