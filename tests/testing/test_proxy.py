"""The fault proxy deals its faults from a deck: exact shares per block, every kind in every block."""

from __future__ import annotations

from collections import Counter

import pytest

from sql2dynamo.testing.proxy import FaultProxy, Faults, deck

MIGRATE_FAULTS = Faults(throttle=0.20, error500=0.10, drop=0.05, drop_after=0.05, partial=0.30)


@pytest.mark.parametrize(
    ("faults", "size", "counts"),
    [
        (Faults(), 1, {None: 1}),
        (Faults(throttle=1.0), 1, {"throttle": 1}),
        (Faults(throttle=0.5), 2, {"throttle": 1, None: 1}),
        (Faults(drop=0.7, drop_after=0.3), 10, {"drop": 7, "drop_after": 3}),
        (
            MIGRATE_FAULTS,
            20,
            {"throttle": 4, "error500": 2, "drop": 1, "drop_after": 1, "partial": 6, None: 6},
        ),
        (Faults(throttle=1 / 3), 3, {"throttle": 1, None: 2}),
        (Faults(throttle=0.0001234), 1000, {None: 1000}),
    ],
)
def test_deck_is_the_smallest_whole_number_of_cards(faults: Faults, size: int, counts: dict[str | None, int]) -> None:
    cards = deck(faults)
    assert len(cards) == size
    assert Counter(cards) == counts


def _dealt(proxy: FaultProxy, calls: int, operation: str = "BatchWriteItem") -> list[str | None]:
    dealt = []
    for _ in range(calls):
        kind, _faults = proxy._draw(operation)
        proxy._done()
        dealt.append(kind)
    return dealt


@pytest.mark.parametrize("seed", [0, 11, 12345])
def test_every_block_of_calls_gets_each_fault_its_exact_share(seed: int) -> None:
    proxy = FaultProxy("http://127.0.0.1:9", MIGRATE_FAULTS, seed=seed)
    dealt = _dealt(proxy, 100)
    for start in range(0, 100, 20):
        assert Counter(dealt[start : start + 20]) == Counter(deck(MIGRATE_FAULTS))
    stats = proxy.stats()
    assert (stats["requests"], stats["drop"], stats["partial"]) == (100, 5, 30)
    # The same seed deals the same sequence; another seed shuffles differently.
    assert _dealt(FaultProxy("http://127.0.0.1:9", MIGRATE_FAULTS, seed=seed), 100) == dealt
    assert _dealt(FaultProxy("http://127.0.0.1:9", MIGRATE_FAULTS, seed=seed + 7), 100) != dealt


def test_partial_only_rewrites_batches_and_new_faults_start_a_new_deck() -> None:
    proxy = FaultProxy("http://127.0.0.1:9", Faults(partial=1.0), seed=1)
    assert _dealt(proxy, 3, "PutItem") == [None, None, None]
    assert _dealt(proxy, 2, "BatchGetItem") == ["partial", "partial"]
    proxy.set_faults(Faults(throttle=0.5, operations=frozenset({"BatchWriteItem"})))
    assert _dealt(proxy, 4, "DescribeTable") == [None] * 4
    assert Counter(_dealt(proxy, 4)) == {"throttle": 2, None: 2}
