"""The phase order, the settings each phase implies, and the gates computed from a status (no servers needed)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from sql2dynamo.common.errors import InputError
from sql2dynamo.cutover.outbox import OutboxStatus
from sql2dynamo.cutover.phases import PHASES, PhaseState, next_phase, previous_phase, read_percent, write_primary
from sql2dynamo.cutover.shadow import shadow_totals
from sql2dynamo.cutover.status import CutoverStatus, blockers


def test_order_and_neighbours() -> None:
    assert PHASES[0] == "dual-write" and PHASES[-1] == "decommission"
    assert [next_phase(p) for p in PHASES[:-1]] == list(PHASES[1:]) and next_phase("decommission") is None
    assert [previous_phase(p) for p in PHASES[1:]] == list(PHASES[:-1]) and previous_phase("dual-write") is None
    assert [read_percent(p) for p in PHASES] == [0, 0, 0, 10, 25, 50, 75, 100, 100, 100]
    assert [write_primary(p) for p in PHASES].index("dynamodb") == PHASES.index("write-shift")
    with pytest.raises(InputError, match="unknown cut-over phase 'read-33'"):
        next_phase("read-33")


def status(
    phase: str,
    *,
    sync: dict[str, Any] | None = None,
    outbox: int | None = 0,
    shadow: dict[str, Any] | None = None,
    verify: dict[str, Any] | None = None,
    entered_verify: float | None = None,
) -> CutoverStatus:
    history = () if entered_verify is None else ({"action": "advance", "to": "verify", "at": entered_verify},)
    state = PhaseState(phase, 3, time.time(), "decision_data", history)
    box = None if outbox is None else OutboxStatus(True, outbox, None, None, None)
    readers = {"readers": {"a": {"totals": shadow}}} if shadow else None
    return CutoverStatus(state, sync, box, shadow_totals(readers), verify, time.time())


def test_nothing_blocks_a_clean_early_phase() -> None:
    assert blockers(status("dual-write")) == []
    assert blockers(status("backfill", sync={"lag_seconds": 0.0, "caught_up": True}, outbox=None)) == []


def test_lag_blocks() -> None:
    assert "replication lag unknown" in blockers(status("dual-write", outbox=None))[0]
    assert "the outbox holds 4 changes" in blockers(status("dual-write", outbox=4))[0]
    lagging = blockers(status("backfill", sync={"lag_seconds": 2.5, "caught_up": False}))
    assert lagging == [
        "replication lag is 2.5 s and sync has not caught up: "
        "wait for `sql2dynamo sync` to catch up (--until-caught-up)"
    ]
    assert "still running" in blockers(status("backfill", sync={"lag_seconds": 0, "backfill": "running"}))[0]


def test_mismatches_and_dynamodb_errors_block() -> None:
    found = blockers(status("read-10", shadow={"compared": 10, "mismatches": 2}, verify={"ok": True, "finished_at": 1}))
    assert found == [
        "shadow reads found 2 mismatches in 10 comparisons: fix the cause, then reset and record the readers' counters"
    ]
    assert "3 DynamoDB errors" in blockers(status("dual-write", shadow={"dynamodb_errors": 3}))[0]


def test_verify_gates_from_the_verify_phase_on() -> None:
    assert blockers(status("backfill")) == []
    assert "no verify recorded" in blockers(status("verify"))[0]
    assert "found differences" in blockers(status("verify", verify={"ok": False, "finished_at": 5}))[0]
    assert (
        "older than the verify phase"
        in blockers(status("verify", verify={"ok": True, "finished_at": 5}, entered_verify=9))[0]
    )
    assert blockers(status("read-50", verify={"ok": True, "finished_at": 10}, entered_verify=9)) == []


def test_the_last_phase_has_nowhere_to_go() -> None:
    assert blockers(status("decommission", verify={"ok": True, "finished_at": 1})) == [
        "decommission is the last phase: there is nothing to advance to"
    ]
