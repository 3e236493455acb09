"""Coalescing a batch to one write per item ends where applying its changes one by one ends (differential).

Hypothesis draws a consistent history of row changes on Decision Data over a few keys, so that rows are
inserted, renamed (primary keys), deleted and re-inserted, and e-mail addresses (unique lookup items) pass
from user to user within one batch.  The source (SQLite) holds the history's final rows, which is what
denormalized copies and fan-out read, as a live source would after the changes committed.  The same
history is applied to empty tables:

* one change per ``apply`` call (nothing to coalesce: the reference),
* as one batch with coalescing, and in batches cut at random points,
* as one batch without coalescing (rounds of distinct items),

and every way must leave exactly the same items, positions included, which are the items of the final
rows (what ``verify`` compares).  Replaying the history afterwards, cut differently, changes nothing.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.sync.apply import Applier
from sql2dynamo.sync.changes import POSITION_ATTRIBUTE, Change, pg_position
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.testing.sync_world import decision_model, fill

pytestmark = pytest.mark.dynamodb

USERS = [uuid.UUID(int=n).hex for n in range(1, 6)]
EMAILS = [f"u{n}@example.org" for n in range(4)]
FILES = [uuid.UUID(int=100 + n).hex for n in range(6)]
Row = dict[str, Any]


class World:
    """An SQLite Decision Data source (its rows replaced per example), the model's tables, appliers."""

    def __init__(self, tmp: Path, endpoint: str, deployed: Callable[[Path], None]) -> None:
        url = f"sqlite:///{tmp / 'dd.sqlite'}"
        fill(url, 3)
        self.model_dir = decision_model(url, tmp / "model")
        deployed(self.model_dir)
        self.engine = sa.create_engine(url)
        _, self.model = load_model(self.model_dir)
        self.client = boto_client(endpoint)
        self.builder = ItemBuilder(self.model)
        with self.engine.connect() as conn:
            # Templates with the source's own raw values (SQLite: text ids and date-times).
            self.user = dict(conn.execute(sa.text("SELECT * FROM users LIMIT 1")).mappings().one())
            self.file = dict(conn.execute(sa.text("SELECT * FROM audio_files LIMIT 1")).mappings().one())

    def applier(self, **options: Any) -> Applier:
        return Applier(self.model, self.client, source=self.engine, reporter=RecordingReporter(), **options)

    def store_source(self, users: dict[str, Row], files: dict[str, Row]) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audio_files"))
            conn.execute(sa.text("DELETE FROM users"))
            for table, rows in (("users", users), ("audio_files", files)):
                for row in rows.values():
                    names, values = ", ".join(row), ", ".join(f":{c}" for c in row)
                    conn.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({values})"), row)

    def clear(self) -> None:
        for spec in self.model.tables:
            keys = [spec.pk.attribute] + ([spec.sk.attribute] if spec.sk else [])
            for item in self.scan_table(spec.name):
                self.client.delete_item(TableName=spec.name, Key={k: item[k] for k in keys})

    def scan_table(self, name: str) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"TableName": name, "ConsistentRead": True}
        while True:
            page = self.client.scan(**kwargs)
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def items(self, positions: bool = True) -> dict[str, list[str]]:
        """Every item of every table as canonical text, sorted (with or without the positions)."""
        out: dict[str, list[str]] = {}
        for spec in self.model.tables:
            rows = []
            for item in self.scan_table(spec.name):
                if not positions:
                    item.pop(POSITION_ATTRIBUTE, None)
                rows.append(repr(sorted(item.items())))
            out[spec.name] = sorted(rows)
        return out

    def expected(self, users: dict[str, Row], files: dict[str, Row]) -> dict[str, list[str]]:
        """The items of the final rows, as the backfill would write them (no positions)."""
        out: dict[str, list[str]] = {spec.name: [] for spec in self.model.tables}
        for user in users.values():
            for table, item in self.builder.items_for("users", user, None).items:
                out[table].append(repr(sorted(item.items())))
        for file in files.values():
            parent = users.get(file["user_id"])
            for table, item in self.builder.items_for("audio_files", file, {"users": parent}).items:
                out[table].append(repr(sorted(item.items())))
        return {name: sorted(items) for name, items in out.items()}


def history(world: World, steps: list[tuple[int, int, int]]) -> tuple[list[Change], dict[str, Row], dict[str, Row]]:
    """A consistent history from drawn ``(operation, a, b)`` steps (steps impossible in the state are skipped)."""
    users: dict[str, Row] = {}
    files: dict[str, Row] = {}
    changes: list[Change] = []

    def emit(table: str, op: str, key: Row, row: Row | None, before: Row | None) -> None:
        n = len(changes)
        position = pg_position(1000 + n // 3, n % 3 + 1)  # three changes per source transaction
        changes.append(Change(table, op, key, row, position, before))  # type: ignore[arg-type]

    def taken(email: str) -> bool:
        return any(u["email"] == email for u in users.values())

    def owns(uid: str) -> bool:
        return any(f["user_id"] == uid for f in files.values())

    for operation, a, b in steps:
        uid, other_uid, email = USERS[a % len(USERS)], USERS[b % len(USERS)], EMAILS[b % len(EMAILS)]
        fid, other_fid = FILES[a % len(FILES)], FILES[b % len(FILES)]
        kind = operation % 10
        if kind == 0 and uid not in users and not taken(email):
            row = dict(world.user, user_id=uid, email=email, key_salt=f"s{a}")
            users[uid] = row
            emit("users", "insert", {"user_id": uid}, dict(row), None)
        elif kind == 1 and uid in users and not taken(email):
            before = users[uid]
            users[uid] = dict(before, email=email)
            emit("users", "update", {"user_id": uid}, dict(users[uid]), dict(before))
        elif kind == 2 and uid in users:
            before = users[uid]
            users[uid] = dict(before, key_salt=f"s{b}")
            emit("users", "update", {"user_id": uid}, dict(users[uid]), dict(before))
        elif kind == 3 and uid in users and other_uid not in users and not owns(uid):
            before = users.pop(uid)
            users[other_uid] = dict(before, user_id=other_uid)
            emit("users", "update", {"user_id": uid}, dict(users[other_uid]), dict(before))
        elif kind == 4 and uid in users and not owns(uid):
            before = users.pop(uid)
            emit("users", "delete", {"user_id": uid}, None, dict(before))
        elif kind == 5 and fid not in files and other_uid in users:
            row = dict(world.file, file_id=fid, user_id=other_uid, file_size=a)
            files[fid] = row
            emit("audio_files", "insert", {"file_id": fid}, dict(row), None)
        elif kind == 6 and fid in files:
            before = files[fid]
            files[fid] = dict(before, file_size=1000 + b)
            emit("audio_files", "update", {"file_id": fid}, dict(files[fid]), dict(before))
        elif kind == 7 and fid in files and other_fid not in files:
            before = files.pop(fid)
            files[other_fid] = dict(before, file_id=other_fid)
            emit("audio_files", "update", {"file_id": fid}, dict(files[other_fid]), dict(before))
        elif kind == 8 and fid in files and other_uid in users:
            before = files[fid]
            files[fid] = dict(before, user_id=other_uid)
            emit("audio_files", "update", {"file_id": fid}, dict(files[fid]), dict(before))
        elif kind == 9 and fid in files:
            before = files.pop(fid)
            emit("audio_files", "delete", {"file_id": fid}, None, dict(before))
    return changes, users, files


@pytest.fixture
def world(tmp_path: Path, endpoint: str, deployed: Callable[[Path], None]) -> Iterator[World]:
    made = World(tmp_path, endpoint, deployed)
    yield made
    made.engine.dispose()


STEPS = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS, cuts=st.lists(st.integers(1, 40), max_size=4))
def test_coalesced_batches_end_like_one_change_at_a_time(world: World, steps: list[Any], cuts: list[int]) -> None:
    changes, users, files = history(world, steps)
    world.store_source(users, files)
    one_by_one = world.applier()
    coalescing = world.applier(workers=3, transact_items=4)  # several calls per batch, some in parallel
    in_rounds = world.applier(coalesce=False, workers=3, transact_items=4)
    try:
        world.clear()
        for change in changes:
            one_by_one.apply([change])
        reference = world.items()
        assert world.items(positions=False) == world.expected(users, files)

        world.clear()
        whole = coalescing.apply(changes)
        assert world.items() == reference
        assert whole.skipped == 0

        world.clear()
        bounds = sorted({0, len(changes), *(c for c in cuts if c < len(changes))})
        for start, end in itertools.pairwise(bounds):
            coalescing.apply(changes[start:end])
        assert world.items() == reference

        world.clear()
        in_rounds.apply(changes)
        assert world.items() == reference

        # Replayed as one batch, every put is refused as already there (a delete of an absent item passes).
        again = coalescing.apply(changes)
        assert again.puts == 0 and world.items() == reference, again
        # Replayed in two halves, the first may bring back an item a later change deleted (no tombstone);
        # the second half deletes it again.
        middle = len(changes) // 2
        for part in (changes[:middle], changes[middle:]):
            coalescing.apply(part)
        assert world.items() == reference
    finally:
        for applier in (one_by_one, coalescing, in_rounds):
            applier.close()
