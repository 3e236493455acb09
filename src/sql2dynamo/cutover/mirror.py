"""Dual-write's mirror: committed outbox entries -> DynamoDB, inline or from one worker thread.

:class:`OutboxMirror` is the half of :class:`~sql2dynamo.cutover.dualwrite.DualWrite`
that runs after a commit: it applies the pending outbox entries in id order
through the sync Applier, counts what happened, and keeps a circuit breaker
so an unreachable DynamoDB costs the application one timeout, not one per
commit.  It knows nothing of SQLAlchemy sessions or listeners, which is why
it is separate from the capture side; DualWrite inherits it (rather than
holding one) so its attributes and methods stay where callers already
find them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.cutover.outbox import DEFAULT_OUTBOX_TABLE, DrainResult, apply_pending, drain_outbox, ensure_outbox

if TYPE_CHECKING:
    from sql2dynamo.sync.apply import Applier

__all__ = ["DualWriteStats", "MirrorSettings", "OutboxMirror"]


@dataclass(frozen=True)
class DualWriteStats:
    """Counters since dual-write was enabled."""

    captured: int  # outbox entries written in application transactions
    mirrored: int  # entries applied to DynamoDB right after a commit (and deleted from the outbox)
    mirror_failures: int  # mirror attempts that failed (their entries stayed in the outbox)
    mirror_skipped: int  # commits whose mirror was skipped while the breaker was open
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "captured": self.captured,
            "mirrored": self.mirrored,
            "mirror_failures": self.mirror_failures,
            "mirror_skipped": self.mirror_skipped,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class MirrorSettings:
    """How committed changes reach DynamoDB (the options of :func:`~sql2dynamo.cutover.dualwrite.enable_dual_write`).

    ``outbox_table`` holds the changes; ``mirror=False`` only queues them (``sync --outbox`` applies);
    ``background`` mirrors from one worker thread instead of the committing one; after a failure the
    mirror waits ``retry_after_s`` before trying again (the circuit breaker); at most ``mirror_batch``
    entries are applied per round.
    """

    outbox_table: str = DEFAULT_OUTBOX_TABLE
    mirror: bool = True
    retry_after_s: float = 5.0
    mirror_batch: int = 500
    background: bool = False

    def __post_init__(self) -> None:
        if self.retry_after_s < 0 or self.mirror_batch < 1:
            raise UsageError("retry_after_s must not be negative and mirror_batch at least 1")


class OutboxMirror:
    """The outbox table, the mirror (inline or background), its circuit breaker and the dual-write counters."""

    def __init__(
        self,
        engine: sa.Engine,
        applier: Applier,
        *,
        reporter: Reporter,
        settings: MirrorSettings,
    ) -> None:
        self.engine = engine
        self.applier = applier
        self.reporter = reporter
        self.outbox = ensure_outbox(engine, settings.outbox_table)
        self.mirror_enabled = settings.mirror
        self.retry_after_s = settings.retry_after_s
        self.mirror_batch = settings.mirror_batch
        self.background = settings.background
        self._lock = threading.Lock()  # one mirror at a time: a process applies its entries in id order
        self._counts_lock = threading.Lock()
        self._captured = self._mirrored = self._failures = self._skipped = 0
        self._last_error: str | None = None
        self._open_until = 0.0
        # Background mode: commits only raise the id to mirror up to; one worker thread applies.
        self._work = threading.Condition()
        self._wanted = self._handled = 0
        self._stopping = False
        self._worker: threading.Thread | None = None
        if settings.background and settings.mirror:
            self._worker = threading.Thread(target=self._run_worker, name="s2d-dualwrite", daemon=True)
            self._worker.start()

    # ------------------------------------------------------------ public

    def flush(self, timeout_s: float = 30.0) -> bool:
        """Background mode: wait until every committed change was mirrored (or failed into the outbox).

        Returns False on timeout.  Without a background mirror there is nothing to wait for.
        """
        with self._work:
            return self._work.wait_for(lambda: self._handled >= self._wanted, timeout_s)

    def stats(self) -> DualWriteStats:
        """The counters, consistent with each other."""
        with self._counts_lock:
            return DualWriteStats(self._captured, self._mirrored, self._failures, self._skipped, self._last_error)

    def drain(self, *, batch_size: int = 500) -> DrainResult:
        """Apply everything in the outbox now (what ``sync --outbox`` does); a failure propagates."""
        with self._lock:
            result = drain_outbox(
                self.engine, self.applier, self.reporter, table_name=self.outbox.name, batch_size=batch_size
            )
        self._open_until = 0.0
        return result

    # ------------------------------------------------------------ mirroring

    def _mirror_up_to(self, up_to: int) -> None:
        """After a commit: apply now, or hand ``up_to`` to the background worker."""
        if self._worker is None:
            self._mirror(up_to)
            return
        with self._work:
            self._wanted = max(self._wanted, up_to)
            self._work.notify_all()

    def _stop_worker(self, timeout_s: float) -> None:
        """Let the background worker finish what was committed, then end it."""
        if self._worker is not None:
            self.flush(timeout_s)
            with self._work:
                self._stopping = True
                self._work.notify_all()
            self._worker.join(timeout_s)

    def _run_worker(self) -> None:
        while True:
            with self._work:
                self._work.wait_for(lambda: self._stopping or self._wanted > self._handled)
                if self._wanted <= self._handled:
                    return  # stopping, and nothing is left
                target = self._wanted
            self._mirror(target, max_batches=None)
            with self._work:
                self._handled = max(self._handled, target)
                self._work.notify_all()

    def _mirror(self, up_to: int, max_batches: int | None = 1) -> None:
        if time.monotonic() < self._open_until:
            with self._counts_lock:
                self._skipped += 1
            return
        with self._lock:
            try:
                applied, _ = apply_pending(
                    self.engine,
                    self.outbox,
                    self.applier,
                    up_to=up_to,
                    batch_size=self.mirror_batch,
                    max_batches=max_batches,
                )
            except Exception as exc:  # whatever DynamoDB does, the application's commit stands
                self._open_until = time.monotonic() + self.retry_after_s
                text = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                with self._counts_lock:
                    self._failures += 1
                    self._last_error = text
                self.reporter.warning(
                    f"dual-write: DynamoDB did not take the changes ({text}); they wait in {self.outbox.name} "
                    f"for the next commit after {self.retry_after_s:g} s or `sql2dynamo sync --outbox`"
                )
                return
        with self._counts_lock:
            self._mirrored += applied
