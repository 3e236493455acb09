"""The cut-over's phases, in order, and the state kept in the target's control table.

    dual-write -> backfill -> verify -> read-10 -> read-25 -> read-50 -> read-75 -> read-100
               -> write-shift -> decommission

One control item (``cutover``) holds the current phase, when it was entered,
the model's application name and the history of every move.  Moves are
written with the item's version as a condition
(:meth:`~sql2dynamo.sync.control.ControlTable.put` with
``expected_version``), so of two operators advancing at once exactly one
succeeds; the other gets :class:`~sql2dynamo.sync.control.VersionConflict`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

from sql2dynamo.common.errors import InputError, VerificationFailed
from sql2dynamo.sync.control import ControlTable

__all__ = [
    "CUTOVER_ITEM",
    "PHASES",
    "CutoverBlocked",
    "PhaseState",
    "load_state",
    "move",
    "next_phase",
    "previous_phase",
    "read_percent",
    "write_primary",
]

CUTOVER_ITEM = "cutover"
PHASES: tuple[str, ...] = (
    "dual-write",
    "backfill",
    "verify",
    "read-10",
    "read-25",
    "read-50",
    "read-75",
    "read-100",
    "write-shift",
    "decommission",
)
_HISTORY_KEPT = 50


class CutoverBlocked(VerificationFailed):
    """``cutover advance`` refused: lag, mismatches or a missing verify block the next phase (exit code 8)."""

    kind = "cutover-blocked"


def _index(phase: str) -> int:
    try:
        return PHASES.index(phase)
    except ValueError:
        raise InputError(f"unknown cut-over phase {phase!r}", hint=f"phases: {', '.join(PHASES)}") from None


def next_phase(phase: str) -> str | None:
    """The phase after ``phase``; None after the last."""
    i = _index(phase)
    return PHASES[i + 1] if i + 1 < len(PHASES) else None


def previous_phase(phase: str) -> str | None:
    """The phase before ``phase``; None before the first."""
    i = _index(phase)
    return PHASES[i - 1] if i > 0 else None


def read_percent(phase: str) -> int:
    """The share of reads DynamoDB serves in ``phase`` (what a ShadowReader's routing should be set to)."""
    i = _index(phase)
    if phase.startswith("read-"):
        return int(phase.removeprefix("read-"))
    return 100 if i > PHASES.index("read-100") else 0


def write_primary(phase: str) -> Literal["source", "dynamodb"]:
    """Which side is authoritative for writes in ``phase``."""
    return "dynamodb" if _index(phase) >= PHASES.index("write-shift") else "source"


@dataclass(frozen=True)
class PhaseState:
    """The stored cut-over state; ``version`` 0 means nothing is stored yet (the first phase, implicitly)."""

    phase: str
    version: int
    entered_at: float | None
    application: str | None
    history: tuple[dict[str, Any], ...]

    def entered(self, phase: str) -> float | None:
        """When ``phase`` was last entered (None if the history does not say)."""
        for event in reversed(self.history):
            if event.get("to") == phase:
                return float(event["at"])
        return None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "phase": self.phase,
            "version": self.version,
            "entered_at": self.entered_at,
            "application": self.application,
            "history": list(self.history),
        }


def load_state(control: ControlTable, application: str | None = None) -> PhaseState:
    """The stored state, or the first phase at version 0; refuses a state kept for another application."""
    doc = control.get(CUTOVER_ITEM)
    if doc is None:
        return PhaseState(PHASES[0], 0, None, application, ())
    phase = str(doc.get("phase", PHASES[0]))
    _index(phase)
    stored = doc.get("application")
    if application is not None and stored is not None and stored != application:
        raise InputError(
            f"the control table {control.table_name} tracks the cut-over of {stored}, not {application}",
            hint="use the model of that application, or another --control-table",
        )
    return PhaseState(
        phase,
        int(doc["_version"]),
        doc.get("entered_at"),
        stored or application,
        tuple(doc.get("history", ())),
    )


def move(
    control: ControlTable, state: PhaseState, to: str, *, action: str, note: str | None = None, by: str | None = None
) -> PhaseState:
    """Store ``to`` as the phase, conditional on ``state.version`` (VersionConflict if someone moved meanwhile)."""
    _index(to)
    now = time.time()
    event = {"action": action, "from": state.phase, "to": to, "at": now}
    if note:
        event["note"] = note
    if by:
        event["by"] = by
    history = (*state.history, event)[-_HISTORY_KEPT:]
    doc = {"phase": to, "entered_at": now, "application": state.application, "history": list(history)}
    version = control.put(CUTOVER_ITEM, doc, expected_version=state.version)
    return PhaseState(to, version, now, state.application, history)
