"""What ``cutover status`` shows and what ``cutover advance`` checks: lag, outbox, shadow reads, the last verify.

Everything is read from the target's control table (the sync checkpoint,
the shadow-read counters, the last verify's verdict) and, when a source URL
is given, from the source's outbox table.  :func:`blockers` turns it into the
list of reasons the next phase must wait for; each is one line naming the
fix.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.common.reporting import Reporter
from sql2dynamo.cutover.outbox import DEFAULT_OUTBOX_TABLE, OutboxStatus, outbox_status
from sql2dynamo.cutover.phases import PHASES, PhaseState, next_phase, previous_phase, read_percent, write_primary
from sql2dynamo.cutover.shadow import SHADOW_ITEM, shadow_totals
from sql2dynamo.sync.control import DEFAULT_CONTROL_TABLE, ControlTable
from sql2dynamo.target.client_errors import error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = [
    "DEFAULT_SLOT",
    "VERIFY_ITEM",
    "CutoverStatus",
    "blockers",
    "gather_status",
    "record_verify",
]

DEFAULT_SLOT = "sql2dynamo"  # sync's default --slot: its control item is ``sync:<slot>``
VERIFY_ITEM = "verify:last"


@dataclass(frozen=True)
class CutoverStatus:
    """The phase and every figure the gates look at."""

    state: PhaseState
    sync: dict[str, Any] | None  # the sync checkpoint document, as SYNC stores it
    outbox: OutboxStatus | None  # None: no source given
    shadow: dict[str, Any]  # shadow_totals() of the recorded counters
    verify: dict[str, Any] | None  # the last verify's summary, as recorded
    checked_at: float

    @property
    def phase(self) -> str:
        """The current phase."""
        return self.state.phase

    def lag(self) -> dict[str, Any]:
        """Stream lag (sync's control item) and the outbox backlog; ``known``: whether anything measured it."""
        sync = self.sync or {}
        backlog = self.outbox.entries if self.outbox is not None and self.outbox.exists else None
        known = self.sync is not None or (self.outbox is not None and self.outbox.exists)
        updated = _number(sync.get("updated_at"))
        checkpoint = sync.get("checkpoint")
        return {
            "known": known,
            "sync_seconds": _number(sync.get("lag_seconds")),
            "sync_caught_up": sync.get("caught_up"),
            "sync_backfill": sync.get("backfill"),
            "sync_position": checkpoint.get("position") if isinstance(checkpoint, dict) else checkpoint,
            "sync_checkpoint_age_s": None if updated is None else round(max(0.0, self.checked_at - updated), 3),
            "outbox_entries": backlog,
            "outbox_oldest_age_s": self.outbox.oldest_age_s if self.outbox is not None else None,
        }

    def summary(self) -> dict[str, Any]:
        """JSON-ready (for ``--summary``)."""
        return {
            "phase": self.phase,
            "version": self.state.version,
            "entered_at": self.state.entered_at,
            "application": self.state.application,
            "next_phase": next_phase(self.phase),
            "previous_phase": previous_phase(self.phase),
            "read_percent": read_percent(self.phase),
            "write_primary": write_primary(self.phase),
            "lag": self.lag(),
            "outbox": self.outbox.as_dict() if self.outbox is not None else None,
            "shadow": self.shadow,
            "verify": self.verify,
            "blockers": blockers(self),
            "history": list(self.state.history),
        }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def gather_status(
    control: ControlTable,
    state: PhaseState,
    *,
    source: sa.Engine | None = None,
    outbox_table: str = DEFAULT_OUTBOX_TABLE,
    slot: str = DEFAULT_SLOT,
) -> CutoverStatus:
    """Read every figure the gates need (the control table's items, and the outbox when ``source`` is given).

    The stream's lag comes from sync's control item ``sync:<slot>``.
    """
    sync = control.get(f"sync:{slot}")  # sync.begin.control_name, not imported: it pulls in the log readers
    shadow = shadow_totals(control.get(SHADOW_ITEM))
    verify = control.get(VERIFY_ITEM)
    outbox = outbox_status(source, outbox_table) if source is not None else None
    return CutoverStatus(state, sync, outbox, shadow, verify, time.time())


def blockers(status: CutoverStatus) -> list[str]:
    """Why the phase after the current one may not start yet (empty: advance may go ahead)."""
    phase = status.phase
    target = next_phase(phase)
    if target is None:
        return [f"{phase} is the last phase: there is nothing to advance to"]
    out: list[str] = []
    lag = status.lag()
    if not lag["known"]:
        out.append(
            "replication lag unknown: no sync checkpoint in the control table and no source outbox to count "
            "(run `sql2dynamo sync`, or pass SOURCE_URL when the application dual-writes)"
        )
    if lag["outbox_entries"]:
        out.append(f"the outbox holds {lag['outbox_entries']} changes: run `sql2dynamo sync SOURCE_URL --outbox`")
    if lag["sync_backfill"] == "running":
        out.append("the backfill of `migrate --with-sync` is still running")
    if lag["sync_seconds"] or lag["sync_caught_up"] is False:
        out.append(
            f"replication lag is {lag['sync_seconds'] or 0:g} s and sync has not caught up: "
            "wait for `sql2dynamo sync` to catch up (--until-caught-up)"
        )
    shadow = status.shadow
    if shadow["mismatches"]:
        out.append(
            f"shadow reads found {shadow['mismatches']} mismatches in {shadow['compared']} comparisons: "
            "fix the cause, then reset and record the readers' counters"
        )
    if shadow["dynamodb_errors"]:
        out.append(f"shadow reads saw {shadow['dynamodb_errors']} DynamoDB errors")
    if PHASES.index(phase) >= PHASES.index("verify"):
        verify = status.verify
        since = status.state.entered("verify")
        if verify is None:
            out.append("no verify recorded: run `sql2dynamo verify SOURCE_URL --model DIR --target T`")
        elif not verify.get("ok"):
            out.append(f"the last verify ({_when(verify)}) found differences: fix them and verify again")
        elif since is not None and float(verify.get("finished_at", 0)) < since:
            out.append("the last verify is older than the verify phase: verify again")
    return out


def _when(verify: Mapping[str, Any]) -> str:
    at = verify.get("finished_at")
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(at))) if at else "time unknown"


def record_verify(
    client: DynamoDBClient,
    summary: Mapping[str, Any],
    reporter: Reporter,
    *,
    table_name: str = DEFAULT_CONTROL_TABLE,
) -> bool:
    """Store a verify summary as ``verify:last`` when the target has a control table (a cut-over runs there).

    Never raises: a verify's verdict matters more than its bookkeeping; a
    failure to record is a warning.  Returns whether it was recorded.
    """
    try:
        client.describe_table(TableName=table_name)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return False  # no cut-over on this target
        reporter.warning(f"verify result not recorded for cutover: {exc}")
        return False
    except BotoCoreError as exc:
        reporter.warning(f"verify result not recorded for cutover: {exc}")
        return False
    doc = {
        "ok": bool(summary.get("ok")),
        "totals": dict(summary.get("totals", {})),
        "source": summary.get("source"),
        "target": summary.get("target"),
        "model": summary.get("model"),
        "seconds": summary.get("seconds"),
        "finished_at": time.time(),
    }
    try:
        ControlTable(client, table_name).put(VERIFY_ITEM, doc)
    except Exception as exc:  # bookkeeping only, see above
        reporter.warning(f"verify result not recorded for cutover: {exc}")
        return False
    return True
