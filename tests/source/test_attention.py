"""Views, triggers and routines are listed as needing attention, with why; checks are kept."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.source.connect import open_source
from sql2dynamo.source.introspect import introspect

BASE = "CREATE TABLE item (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL CHECK (qty >= 0), note VARCHAR(20))"

DDL = {
    "sqlite": [
        BASE,
        "CREATE VIEW big_items AS SELECT * FROM item WHERE qty > 10",
        "CREATE TRIGGER item_touch AFTER UPDATE ON item BEGIN UPDATE item SET note = 'x' WHERE id = NEW.id; END",
    ],
    "postgresql": [
        BASE,
        "CREATE VIEW big_items AS SELECT * FROM item WHERE qty > 10",
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.note := 'x'; RETURN NEW; END $$",
        "CREATE TRIGGER item_touch BEFORE UPDATE ON item FOR EACH ROW EXECUTE FUNCTION touch()",
    ],
    "mysql": [
        BASE,
        "CREATE VIEW big_items AS SELECT * FROM item WHERE qty > 10",
        "CREATE TRIGGER item_touch BEFORE UPDATE ON item FOR EACH ROW SET NEW.note = 'x'",
        "CREATE PROCEDURE restock() BEGIN UPDATE item SET qty = qty + 1; END",
    ],
}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "mysql"])
def test_views_triggers_routines_need_attention(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if kind == "sqlite":
        path = tmp_path / "a.db"
        with sqlite3.connect(path) as conn:
            for stmt in DDL[kind]:
                conn.execute(stmt)
        url = f"sqlite:///{path}"
    else:
        factory: Callable[[str], str] = request.getfixturevalue("new_pg_db" if kind == "postgresql" else "new_maria_db")
        url = factory("att")
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            for stmt in DDL[kind]:
                conn.execute(sa.text(stmt))
        engine.dispose()
    schema = introspect(open_source(url), reporter=RecordingReporter())
    found = {(a.kind, a.name.split("(")[0].strip()) for a in schema.attention}
    expected = {("view", "big_items"), ("trigger", "item_touch")}
    if kind == "postgresql":
        expected.add(("routine", "touch"))
    if kind == "mysql":
        expected.add(("routine", "restock"))
    assert found == expected
    assert all(a.reason for a in schema.attention)
    trigger = next(a for a in schema.attention if a.kind == "trigger")
    assert trigger.table == "item" and "DynamoDB Streams" in trigger.reason
    (item,) = schema.tables
    assert [c.name for c in item.columns] == ["id", "qty", "note"]
    assert len(item.check_constraints) == 1 and "qty" in item.check_constraints[0].sqltext
