"""The reading order of ``migrate``: turn order and the thread-safe rotation of segment runs."""

from __future__ import annotations

import threading
import time

import pytest

from sql2dynamo.migrate.checkpoints import SegmentState, TablePlan
from sql2dynamo.migrate.rotation import Rotation, SegmentRun, turn_order
from sql2dynamo.migrate.segments import Segment


def plan(table: str, rows: int | None, segments: int, done: tuple[int, ...] = ()) -> TablePlan:
    states = [SegmentState(Segment(table, i, None, None), done=i in done) for i in range(segments)]
    return TablePlan(states, rows, "single")


def names(runs: list[SegmentRun]) -> list[str]:
    return [f"{r.name}{r.state.segment.index}" for r in runs]


@pytest.mark.parametrize(
    ("plans", "expected"),
    [
        # Largest table first, then round-robin over tables and their segments.
        (
            {"a": plan("a", 10, 2), "b": plan("b", 1000, 3), "c": plan("c", 50, 1)},
            ["b0", "c0", "a0", "b1", "a1", "b2"],
        ),
        # Done segments take no turn; a table with every segment done takes none.
        (
            {"a": plan("a", 10, 2, done=(0,)), "b": plan("b", 1000, 2, done=(0, 1))},
            ["a1"],
        ),
        # Equal estimates keep the given order; no estimate sorts last.
        (
            {"x": plan("x", None, 1), "y": plan("y", 5, 1), "z": plan("z", 5, 1)},
            ["y0", "z0", "x0"],
        ),
    ],
)
def test_turn_order(plans: dict[str, TablePlan], expected: list[str]) -> None:
    runs = turn_order(list(plans), plans)
    assert names(runs) == expected
    assert all(r.checkpoint == r.state.checkpoint and r.batches is None and not r.pending for r in runs)


def test_rotation_takes_in_turn_and_ends_when_all_finished() -> None:
    runs = turn_order(["a", "b"], {"a": plan("a", 2, 1), "b": plan("b", 1, 1)})
    rotation = Rotation(runs)
    first = rotation.take()
    second = rotation.take()
    assert first is not None and second is not None
    assert (first.name, second.name) == ("a", "b")
    rotation.give_back(first)
    assert rotation.take() is first
    rotation.finished(first)
    rotation.finished(second)
    assert rotation.take() is None


def test_take_waits_for_a_run_held_by_another_reader() -> None:
    (run,) = turn_order(["a"], {"a": plan("a", 1, 1)})
    rotation = Rotation([run])
    assert rotation.take() is run
    got: list[SegmentRun | None] = []
    waiter = threading.Thread(target=lambda: got.append(rotation.take()))
    waiter.start()
    time.sleep(0.1)
    assert not got  # still waiting: the only run is out
    rotation.give_back(run)
    waiter.join(5)
    assert got == [run]
    # Finishing the last run releases every waiting reader with None.
    waiter = threading.Thread(target=lambda: got.append(rotation.take()))
    waiter.start()
    time.sleep(0.1)
    rotation.finished(run)
    waiter.join(5)
    assert got == [run, None]


def test_close_stops_handing_out_and_drain_returns_the_waiting_runs() -> None:
    runs = turn_order(["a"], {"a": plan("a", 1, 3)})
    rotation = Rotation(runs)
    held = rotation.take()
    assert held is runs[0]
    rotation.close()
    assert rotation.take() is None
    rotation.give_back(held)  # a reader finishing its turn after the close
    assert rotation.drain() == [runs[1], runs[2], held]
    assert rotation.drain() == []
