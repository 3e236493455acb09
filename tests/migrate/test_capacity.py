"""Which writer requests ask for their consumed capacity, and how the others are counted."""

from __future__ import annotations

from typing import Any

import pytest

from sql2dynamo.migrate.capacity import CapacitySampler, reported_capacity

SMALL = {"pk": {"S": "a"}}  # estimated at 1 WCU
LARGE = {"pk": {"S": "b"}, "blob": {"S": "x" * 1500}}  # 2 WCU: a started KB each


def answer(table: str, units: float | None) -> dict[str, Any]:
    return {} if units is None else {"ConsumedCapacity": [{"TableName": table, "CapacityUnits": units}]}


def test_every_request_asks_under_a_cap() -> None:
    sampler = CapacitySampler(16, always=True)
    assert all(sampler.measure_next("t") for _ in range(40))


def test_asks_until_a_measured_answer_then_one_in_sample() -> None:
    sampler = CapacitySampler(4)
    # Three requests in flight before any answer: each asks, there is no ratio yet.
    assert [sampler.measure_next("t") for _ in range(3)] == [True, True, True]
    assert sampler.consumed("t", answer("t", 2.0), [SMALL], []) == 2.0
    # Now only every fourth request of the table asks; another table starts over.
    assert [sampler.measure_next("t") for _ in range(8)] == [True, False, False, False, True, False, False, False]
    assert sampler.measure_next("other")


@pytest.mark.parametrize(
    ("measured", "sent", "unprocessed", "counted"),
    [
        # The table's GSI doubles every write: the estimate is scaled by the measured ratio.
        ([(2.0, [SMALL])], [SMALL, LARGE], [], 6.0),
        ([(2.0, [SMALL])], [SMALL, LARGE], [LARGE], 2.0),
        ([(1.0, [SMALL]), (2.0, [LARGE])], [LARGE], [], 2.0),
        ([], [SMALL, LARGE], [], 3.0),  # nothing measured yet: the size estimate itself
    ],
)
def test_unmeasured_requests_count_their_estimate_times_the_measured_ratio(
    measured: list[tuple[float, list[dict[str, Any]]]],
    sent: list[dict[str, Any]],
    unprocessed: list[dict[str, Any]],
    counted: float,
) -> None:
    sampler = CapacitySampler(16)
    for units, items in measured:
        assert sampler.consumed("t", answer("t", units), items, []) == units
    assert sampler.consumed("t", {}, sent, unprocessed) == pytest.approx(counted)


@pytest.mark.parametrize(
    ("response", "units"),
    [
        ({}, None),
        ({"ConsumedCapacity": []}, None),
        ({"ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 3.0}]}, 3.0),
        ({"ConsumedCapacity": [{"TableName": "u", "CapacityUnits": 3.0}]}, 0.0),
        ({"ConsumedCapacity": [{"TableName": "t", "CapacityUnits": 1.0}, {"TableName": "t"}]}, 1.0),
    ],
)
def test_reported_capacity_for_the_table(response: dict[str, Any], units: float | None) -> None:
    assert reported_capacity(response, "t") == units


def test_sample_must_be_positive() -> None:
    with pytest.raises(ValueError, match="1 or more"):
        CapacitySampler(0)
