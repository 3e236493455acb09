"""Positions order as the source commits, in plain text comparison (what DynamoDB's conditions use)."""

from __future__ import annotations

import pytest

from sql2dynamo.sync.changes import (
    binlog_index,
    lsn_from_text,
    lsn_text,
    my_position,
    outbox_position,
    parse_my_position,
    parse_pg_position,
    pg_position,
)


def test_pg_positions_sort_by_lsn_then_sequence() -> None:
    ordered = [pg_position(0x9, 2), pg_position(0x10, 1), pg_position(0x10, 2), pg_position(0x1_0000_0000, 0)]
    assert sorted(ordered) == ordered
    assert parse_pg_position(pg_position(0x16B374D848, 7)) == (0x16B374D848, 7)
    assert lsn_from_text(lsn_text(0x16B374D848)) == 0x16B374D848 and lsn_text(0x16B374D848) == "16/B374D848"


def test_mysql_positions_sort_across_binlog_files() -> None:
    ordered = [
        my_position("mysql-bin.000009", 999_999, 3),
        my_position("mysql-bin.000010", 4, 1),
        my_position("mysql-bin.000010", 120, 1),
        my_position("mysql-bin.000010", 120, 2),
    ]
    assert sorted(ordered) == ordered
    assert parse_my_position(ordered[1]) == (10, 4, 1)
    assert binlog_index("host-bin.000123") == 123
    with pytest.raises(ValueError):
        binlog_index("nonsense")
    assert outbox_position(9) < outbox_position(10)


def test_parsers_refuse_other_kinds() -> None:
    with pytest.raises(ValueError):
        parse_pg_position(my_position("b.000001", 1))
    with pytest.raises(ValueError):
        parse_my_position(pg_position(1))
