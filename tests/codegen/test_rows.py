"""Which table a read's rows are, and under which keys a joined column is read: the golden models' joins."""

from __future__ import annotations

import pytest

from sql2dynamo.codegen.rows import column_keys, row_table
from sql2dynamo.examples import get_example
from sql2dynamo.workload.shape.parse import parse_shape
from tests.helpers.data import golden_model


@pytest.mark.parametrize(
    ("example", "strategy", "pattern", "expected"),
    [
        ("chinook", "multi-table", "AP21", "employee"),  # GetItem customer, BatchGetItem employee
        ("chinook", "single-table", "AP21", "employee"),
        ("hustle_hub", "multi-table", "AP16", "listing_slug_history"),  # one GetItem of the history item
        ("hustle_hub", "single-table", "AP16", "listing_slug_history"),
        ("hustle_hub", "multi-table", "AP23", "listings"),  # Query favourites, BatchGetItem listings
        ("hustle_hub", "single-table", "AP23", "listings"),
        ("algoitny", "multi-table", "AP10", "test_cases"),  # lookup, problem, Query test cases
        ("algoitny", "single-table", "AP10", "test_cases"),  # same PK prefix: the sort key tells them apart
        ("chinook", "multi-table", "AP20", None),  # unsupported: no plan to say
    ],
)
def test_row_table(example: str, strategy: str, pattern: str, expected: str | None) -> None:
    ex = get_example(example)
    shape = parse_shape(ex.patterns().by_id(pattern).sql, ex.dialect)
    assert (
        row_table(golden_model(example, strategy).plan(pattern), shape.tables, golden_model(example, strategy))
        == expected
    )


@pytest.mark.parametrize(
    ("table", "column", "row", "joined", "expected"),
    [
        ("listings", "slug", "listing_slug_history", True, ("listings.slug",)),
        ("listings", "id", "listing_slug_history", True, ("listings.id", "listing_id")),  # l.id = h.listing_id
        ("listing_slug_history", "old_slug", "listing_slug_history", True, ("old_slug",)),
        ("listings", "id", None, True, ("listings.id", "id")),  # unknown row table: qualified, then bare
        ("listings", "id", "listings", False, ("id",)),
    ],
)
def test_column_keys(table: str, column: str, row: str | None, joined: bool, expected: tuple[str, ...]) -> None:
    ex = get_example("hustle_hub")
    shape = parse_shape(ex.patterns().by_id("AP16").sql, ex.dialect)
    assert column_keys(table, column, row, joined, shape) == expected
