"""The row comparison: normalization keeps kinds apart, ORDER BY ties compare as sets, a LIMIT may cut a tie group."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from sql2dynamo.validate.rows import compare_rows, normalize, normalize_row, partly_purged


def _rows(*values: tuple[object, ...]) -> list[tuple[tuple[str, object], ...]]:
    return [normalize_row({"a": v[0], "b": v[1]}, ["a", "b"]) for v in values]


def test_normalize_equates_only_the_same_value() -> None:
    assert normalize(True) == normalize(1) == normalize(Decimal("1.0"))
    assert normalize(5) != normalize("5")  # a wrong attribute type stays a difference
    assert normalize(2.5) == normalize(Decimal("2.5"))
    aware = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert normalize(aware) == normalize(dt.datetime(2024, 1, 2, 1, 4, 5))
    assert normalize(dt.date(2024, 1, 2)) != normalize("2024-01-02")
    u = uuid.uuid4()
    assert normalize(u) == normalize(str(u))
    assert normalize({"x": [1, 2]}) == normalize({"x": [Decimal(1), Decimal(2)]})


def test_without_order_by_rows_compare_as_multisets() -> None:
    expected = _rows((1, "x"), (2, "y"), (2, "y"))
    assert compare_rows(expected, list(reversed(expected))) is None
    diff = compare_rows(expected, _rows((1, "x"), (2, "y"), (3, "y")))
    assert diff is not None and "1 row(s) the SQL returns are missing" in diff.reason
    assert diff.expected == ({"a": "2", "b": "y"},) and diff.actual == ({"a": "3", "b": "y"},)
    assert "differs in a" in diff.reason
    short = compare_rows(expected, expected[:2])
    assert short is not None and short.reason.startswith("3 row(s) expected, 2 returned")


def test_order_by_ties_compare_as_sets_and_order_is_enforced() -> None:
    expected = _rows((1, "a"), (1, "b"), (2, "c"))
    keys = [(normalize(1),), (normalize(1),), (normalize(2),)]
    swapped_tie = [expected[1], expected[0], expected[2]]
    assert compare_rows(expected, swapped_tie, order_keys=keys) is None
    out_of_order = [expected[2], expected[0], expected[1]]
    diff = compare_rows(expected, out_of_order, order_keys=keys)
    assert diff is not None and diff.position == 0 and "in ORDER BY order" in diff.reason


def test_limit_may_cut_the_last_tie_group_anywhere_but_not_outside_it() -> None:
    values = [(1, "a"), (2, "b"), (2, "c"), (2, "d"), (3, "e")]
    full = _rows(*values)
    full_keys = [(normalize(v[0]),) for v in values]
    expected, keys = full[:3], full_keys[:3]  # LIMIT 3 cut the group of 2 after "c"
    other_member = [full[0], full[1], full[3]]
    args = {"order_keys": keys, "full_order_keys": full_keys, "full_expected": full, "limited": True}
    assert compare_rows(expected, other_member, **args) is None  # type: ignore[arg-type]
    outside = [full[0], full[1], full[4]]
    diff = compare_rows(expected, outside, **args)  # type: ignore[arg-type]
    assert diff is not None and "outside that group" in diff.reason


@pytest.mark.parametrize(
    ("full", "live", "got", "kept"),
    [
        ([1, 2, 3, 4], [2, 4], [1, 2, 3, 4], [0, 1, 2, 3]),  # nothing purged yet
        ([1, 2, 3, 4], [2, 4], [2, 4], [1, 3]),  # all expired rows purged
        ([1, 2, 3, 4], [2, 4], [2, 3, 4], [1, 2, 3]),  # part-way: row 1 gone, row 3 still there
        ([1, 2, 3, 4], [2, 4], [3], [1, 2, 3]),  # a live row lost stays expected (the compare then fails)
        ([1, 2, 3], [2], [2, 9], [1]),  # a row the source never had is not made expected
        ([5, 5, 6], [5], [5], [0]),  # a live row and an expired copy of it: one copy returned is the live one
        ([5, 5, 6], [5], [5, 5], [0, 1]),  # both copies returned
    ],
)
def test_a_part_way_purge_keeps_live_rows_and_the_expired_rows_returned(
    full: list[int], live: list[int], got: list[int], kept: list[int]
) -> None:
    def rows(values: list[int]) -> list[tuple[tuple[str, object], ...]]:
        return [normalize_row({"a": v}, ["a"]) for v in values]

    assert partly_purged(rows(full), rows(live), rows(got)) == kept
