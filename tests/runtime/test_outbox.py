"""The outbox: values round-trip with their driver types, ids are never reused, status counts what is pending."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.common.errors import InputError
from sql2dynamo.cutover.outbox import (
    OutboxEntry,
    decode_values,
    encode_values,
    ensure_outbox,
    outbox_status,
    position_of,
    read_entries,
)
from tests.helpers.databases import empty_database


def test_values_round_trip_with_their_types() -> None:
    values = {
        "i": 12345678901234567890,
        "f": 1.25,
        "nan": float("inf"),
        "d": Decimal("10.500"),
        "s": "héllo",
        "b": b"\x00\xffraw",
        "t": True,
        "n": None,
        "ts": dt.datetime(2025, 9, 24, 10, 0, 1, 123456, tzinfo=dt.UTC),
        "naive": dt.datetime(2025, 9, 24, 10, 0, 1),
        "day": dt.date(2025, 9, 24),
        "clock": dt.time(23, 59, 58, 5),
        "span": dt.timedelta(days=-1, seconds=5, microseconds=7),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "set": {"a", "b"},
        "json": {"k": [1, "x", {"nested": Decimal("1.1")}], "$s2d": "not a tag"},
        "tuple": (1, 2),
    }
    back = decode_values(encode_values(values))
    assert back == values
    assert {k: type(v) for k, v in back.items()} == {k: type(v) for k, v in values.items()}
    assert back["ts"].tzinfo is not None and back["naive"].tzinfo is None


def test_an_unstorable_value_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="cannot store a object value"):
        encode_values({"x": object()})


def test_positions_are_fixed_width_and_sort_as_ids() -> None:
    ids = [1, 9, 10, 99, 12345678901]
    positions = [position_of(i) for i in ids]
    assert positions[0] == "ob:00000000000000000001"
    assert {len(p) for p in positions} == {23}
    assert sorted(positions) == positions


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def engine(
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> sa.Engine:
    made = sa.create_engine(empty_database(request, str(request.param), tmp_path, "outbox"))
    request.addfinalizer(made.dispose)
    return made


def _add(engine: sa.Engine, table: sa.Table, n: int) -> list[int]:
    ids = []
    with engine.begin() as conn:
        for i in range(n):
            result = conn.execute(
                table.insert().values(
                    source_table="users", op="insert", key_json=encode_values({"id": i}), row_json=None, created_at=1.0
                )
            )
            assert result.inserted_primary_key is not None
            ids.append(int(result.inserted_primary_key[0]))
    return ids


def test_ids_are_never_reused_once_the_outbox_is_empty(engine: sa.Engine) -> None:
    table = ensure_outbox(engine)
    ensure_outbox(engine)  # idempotent
    first = _add(engine, table, 3)
    with engine.begin() as conn:
        conn.execute(sa.delete(table))
    assert outbox_status(engine).entries == 0
    second = _add(engine, table, 2)
    assert min(second) > max(first), "a reused id would be an older position: the Applier would skip the change"


def test_status_and_entries(engine: sa.Engine) -> None:
    assert outbox_status(engine).exists is False
    table = ensure_outbox(engine)
    ids = _add(engine, table, 4)
    status = outbox_status(engine)
    assert (status.exists, status.entries) == (True, 4)
    assert status.first_position == position_of(ids[0]) and status.last_position == position_of(ids[-1])
    assert status.oldest_age_s is not None and status.oldest_age_s > 0
    with engine.connect() as conn:
        entries = read_entries(conn, table, limit=2, after=ids[0])
    assert [e.id for e in entries] == ids[1:3]
    change = entries[0].to_change()
    assert change.position == position_of(ids[1]) and change.key == {"id": 1} and change.op == "insert"


def test_entry_to_change_carries_the_old_row_and_the_enqueue_time() -> None:
    entry = OutboxEntry(7, "users", "update", {"id": 1}, {"id": 1, "e": "b"}, {"id": 1, "e": "a"}, 123.5)
    change = entry.to_change()
    assert change.before == {"id": 1, "e": "a"} and change.commit_time == 123.5
    assert change.position == "ob:00000000000000000007"
