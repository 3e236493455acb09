"""Where a stream starts: the slot or binlog position taken together with the backfill's snapshot.

``migrate --with-sync`` calls :func:`start_capture` before reading anything:
it checks the server, creates the replication slot (PostgreSQL) or opens a
consistent-snapshot transaction and reads its binlog position (MySQL/MariaDB),
and records that start in the control item ``sync:<slot>`` with
``backfill: running``.  The backfill then reads through
:attr:`CaptureStart.source`, which sees exactly the snapshot, and
:meth:`CaptureStart.finish` marks the backfill done (or failed) and ends the
snapshot.  ``sync`` waits for ``backfill: done`` before applying anything:
the backfill's plain ``PutItem`` could otherwise overwrite a newer change.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.source.connect import Source, normalize_url
from sql2dynamo.sync import mysql, pg_slot
from sql2dynamo.sync.apply import Applier
from sql2dynamo.sync.changes import lsn_text, my_position
from sql2dynamo.sync.control import ControlTable
from sql2dynamo.sync.stream import update_control

__all__ = [
    "CaptureStart",
    "check_slot_name",
    "control_name",
    "primary_keys",
    "start_capture",
    "tables_needing_old_rows",
]


def control_name(slot: str) -> str:
    """The control item of the stream named ``slot``."""
    return f"sync:{slot}"


def check_slot_name(slot: str) -> None:
    """``UsageError`` unless ``slot`` is a valid replication slot name (what PostgreSQL accepts)."""
    if not re.fullmatch(r"[a-z0-9_]{1,63}", slot):
        raise UsageError(
            f"stream name {slot!r} is not a valid slot name",
            hint="use 1 to 63 lower-case letters, digits and underscores",
        )


def primary_keys(engine: sa.Engine, tables: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The primary-key columns of each of ``tables`` (``UsageError`` for a table without one)."""
    inspector = sa.inspect(engine)
    out: dict[str, tuple[str, ...]] = {}
    for table in tables:
        cols = tuple(inspector.get_pk_constraint(table).get("constrained_columns") or ())
        if not cols:
            raise UsageError(
                f"table {table} has no primary key: its changes cannot be matched to items",
                hint="add a primary key to it, or leave it out of the model",
                table=table,
            )
        out[table] = cols
    return out


def tables_needing_old_rows(applier: Applier, keys: dict[str, tuple[str, ...]]) -> list[str]:
    """Tables whose items are keyed on columns outside the primary key (their updates need the old row)."""
    return [t for t in applier.source_tables if not applier.key_columns(t) <= set(keys[t])]


@dataclass
class CaptureStart:
    """A stream's start, recorded; ``source`` reads the matching snapshot until :meth:`finish`."""

    kind: str
    slot: str
    source: Source
    position: str
    resume: dict[str, Any]
    control: ControlTable
    single_reader: bool
    _release: Any = field(repr=False, default=None)

    def finish(self, ok: bool) -> None:
        """Record the backfill's end (``done`` or ``failed``) and end the snapshot."""
        try:
            update_control(
                self.control,
                control_name(self.slot),
                {"backfill": "done" if ok else "failed", "backfill_finished_at": time.time()},
            )
        finally:
            if self._release is not None:
                self._release()
                self._release = None


def start_capture(
    url: str,
    source: Source,
    model: DataModel,
    client: Any,
    *,
    slot: str,
    control_table: str,
    reporter: Reporter,
) -> CaptureStart:
    """Check the server, take the start position with its snapshot, record it (see the module docstring)."""
    if source.dialect.name == "sqlite":
        raise UsageError(
            "SQLite has no change log to stream from: --with-sync needs PostgreSQL or MySQL/MariaDB",
            hint="keep a SQLite application in step with the dual-write integration (sql2dynamo.runtime), "
            "migrate without --with-sync, and drain its outbox with `sql2dynamo sync --outbox`",
        )
    check_slot_name(slot)
    control = ControlTable(client, control_table)
    control.ensure()
    name = control_name(slot)
    existing = control.get(name)
    if existing is not None and existing.get("backfill") in ("running", "done"):
        raise UsageError(
            f"stream {slot} already started from {existing.get('start_position')} (control item {name})",
            hint=f"continue it with `sql2dynamo sync --slot {slot}`, or drop it with `sync --drop-slot --slot {slot}`",
        )
    with Applier(model, client, source=None, reporter=reporter, workers=1) as applier:
        tables = list(applier.source_tables)
        keys = primary_keys(source.engine, tables)
        needs_full = tables_needing_old_rows(applier, keys)
    record: dict[str, Any] = {
        "slot": slot,
        "source": source.display_url,
        "database": source.database,
        "tables": tables,
        "backfill": "running",
        "created_at": time.time(),
        "checkpoint": None,
    }
    if source.dialect.name == "postgresql":
        pg_slot.require_server(source.engine, tables, needs_full)
        created = pg_slot.create_slot(url, source.engine, slot, tables)
        assert created.snapshot is not None
        engine = pg_slot.snapshot_engine(normalize_url(url), created.snapshot)
        snap_source = Source(engine, source.dialect, source.display_url, source.database, source.server_version)
        resume: dict[str, Any] = {"lsn": created.lsn}
        position = created.position

        def release() -> None:
            engine.dispose()
            created.release()

        record.update(kind="postgresql", publication=created.publication, snapshot=created.snapshot)
        reporter.info(f"sync: slot {slot} created at LSN {lsn_text(created.lsn)}; the backfill reads its snapshot")
        single = False
    else:
        mysql.require_server(source.engine)
        snapshot = mysql.open_snapshot(url, source.database or "")
        snap_source = Source(
            snapshot.engine, source.dialect, source.display_url, source.database, source.server_version
        )
        resume = dict(snapshot.position)
        position = my_position(resume["file"], resume["pos"], 0)
        release = snapshot.release
        record.update(kind="mysql")
        reporter.info(
            f"sync: binlog position {resume['file']}:{resume['pos']} recorded; the backfill reads its consistent "
            "snapshot through one connection (one reader, parallel writers)"
        )
        single = True
    record.update(start=resume, start_position=position)
    try:
        update_control(control, name, record)
    except BaseException:
        release()
        if record["kind"] == "postgresql":
            pg_slot.drop_slot(source.engine, slot)
        raise
    return CaptureStart(record["kind"], slot, snap_source, position, resume, control, single, release)
