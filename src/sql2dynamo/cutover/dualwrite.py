"""Dual-write for SQLAlchemy applications: every committed insert, update and delete is mirrored to DynamoDB.

    dual = enable_dual_write(SessionLocal, "out/decision_data", dynamodb_client)

How a change travels, and why it can never break the application:

1. ``after_flush`` (and ``do_orm_execute`` for bulk ``update()``/``delete()``/
   ``insert()`` statements run through the session) collects the changed rows
   of the tables the model maps, re-reads each row as the driver returns it
   (raw values, as the backfill reads them), and inserts one outbox entry per
   row *in the application's transaction* (:mod:`sql2dynamo.cutover.outbox`).
   The outbox therefore commits or rolls back with the change.
2. ``after_commit`` mirrors: it applies the pending outbox entries up to the
   transaction's last one, in id order, through the sync
   :class:`~sql2dynamo.sync.apply.Applier` (the backfill's transform, writes
   conditional on the ``ob:`` position), and deletes them once DynamoDB
   confirmed.  Any failure is caught, counted and reported as a warning; the
   entries stay in the outbox and a circuit breaker skips the mirror for
   ``retry_after_s`` so an unreachable DynamoDB costs the application one
   timeout, not one per commit.  ``sql2dynamo sync SOURCE --outbox`` (or
   :meth:`DualWrite.drain`) applies what is left.  With ``background=True``
   a commit only hands its last id to one mirror thread: the application's
   commit then costs the outbox insert, not a DynamoDB round trip.
3. ``after_rollback`` forgets the transaction's entries: they were rolled back
   with it.

Works on SQLite, PostgreSQL and MariaDB.  The outbox table is created when
dual-write is enabled (never inside an application transaction: MariaDB
would commit it).  A bulk UPDATE that changes a primary key cannot be
followed row by row and is refused with :class:`UnsupportedError` before it
runs.

This module holds the capture side (steps 1 and 3) and
:func:`enable_dual_write`; the mirror of step 2 is
:mod:`sql2dynamo.cutover.mirror`, the raw row reads
:mod:`sql2dynamo.cutover.rows`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker
from sqlalchemy.orm.attributes import instance_state

from sql2dynamo.common.errors import UnsupportedError, UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.cutover.mirror import MirrorSettings, OutboxMirror
from sql2dynamo.cutover.outbox import DEFAULT_OUTBOX_TABLE, encode_values
from sql2dynamo.cutover.rows import inserted_keys, key_of, mapped_table, raw_key, read_raw, select_raw, set_columns
from sql2dynamo.design.model import DataModel
from sql2dynamo.sync.apply import Applier
from sql2dynamo.target.model_file import load_model

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


# DualWriteStats moved to dualwrite_mirror; it stays importable from here.
__all__ = ["DualWrite", "RowChange", "enable_dual_write"]

Target = sa.Engine | sessionmaker[Any] | type[Session]


@dataclass(frozen=True)
class RowChange:
    """One collected change before it becomes an outbox entry: raw driver values."""

    table: str
    op: str
    key: dict[str, Any]
    row: dict[str, Any] | None
    before: dict[str, Any] | None


class DualWrite(OutboxMirror):
    """The installed integration: its listeners, the mirror and its counters.  Build with :func:`enable_dual_write`."""

    def __init__(
        self,
        target: Target,
        engine: sa.Engine,
        model: DataModel,
        applier: Applier,
        *,
        reporter: Reporter,
        settings: MirrorSettings,
    ) -> None:
        self.target = target
        self.model = model
        super().__init__(engine, applier, reporter=reporter, settings=settings)
        self.owns_applier = False
        self.tables = frozenset(e.source_table for t in model.tables for e in t.entities)
        self._info_key = f"sql2dynamo.dualwrite.{id(self)}"
        self._listen_on: Any = target if not isinstance(target, sa.Engine) else Session
        self._listeners = (
            ("before_flush", self._before_flush),
            ("after_flush", self._after_flush),
            ("do_orm_execute", self._do_orm_execute),
            ("after_commit", self._after_commit),
            ("after_rollback", self._after_rollback),
        )
        for name, fn in self._listeners:
            event.listen(self._listen_on, name, fn)

    # ------------------------------------------------------------ public

    def disable(self) -> None:
        """Remove the listeners; entries already in the outbox stay there for ``sync --outbox``."""
        for name, fn in self._listeners:
            if event.contains(self._listen_on, name, fn):
                event.remove(self._listen_on, name, fn)

    def close(self, *, timeout_s: float = 30.0) -> None:
        """:meth:`disable`, let the background mirror finish what was committed, stop the threads dual-write built."""
        self.disable()
        self._stop_worker(timeout_s)
        if self.owns_applier:
            self.applier.close()

    # ------------------------------------------------------------ events

    def _ours(self, session: Session) -> bool:
        if self._listen_on is not Session:
            return True
        bind = session.get_bind()
        return (bind.engine if isinstance(bind, sa.Connection) else bind) is self.engine

    def _pending(self, session: Session) -> list[int]:
        ids: list[int] = session.info.setdefault(self._info_key, [])
        return ids

    def _before_flush(self, session: Session, flush_context: Any, instances: Any) -> None:
        if not self._ours(session):
            return
        # The rows as they are before this flush: the old key of a key update, and what the Applier needs to
        # remove items keyed on other columns (unique lookups) of updated and deleted rows.
        conn = session.connection()
        befores: dict[int, dict[str, Any]] = session.info.setdefault(self._info_key + ".before", {})
        targets = [o for o in session.dirty if session.is_modified(o, include_collections=False)]
        for obj in [*targets, *session.deleted]:
            state = instance_state(obj)
            table = mapped_table(state.mapper)
            if table is None or table.name not in self.tables or state.key is None or id(state) in befores:
                continue
            key = dict(zip(table.primary_key.columns, state.key[1], strict=True))
            row = read_raw(conn, table, key)
            if row is not None:
                befores[id(state)] = row

    def _after_flush(self, session: Session, flush_context: Any) -> None:
        if not self._ours(session):
            return
        conn = session.connection()
        befores: dict[int, dict[str, Any]] = session.info.pop(self._info_key + ".before", {})
        changes: list[RowChange] = []
        for obj in session.new:
            changes.extend(self._object_change(conn, obj, "insert", None))
        for obj in session.dirty:
            if session.is_modified(obj, include_collections=False):
                changes.extend(self._object_change(conn, obj, "update", befores))
        for obj in session.deleted:
            changes.extend(self._object_change(conn, obj, "delete", befores))
        self._write(session, conn, changes)

    def _do_orm_execute(self, state: ORMExecuteState) -> Any:
        if not (state.is_update or state.is_delete or state.is_insert) or not self._ours(state.session):
            return None
        mapper = state.bind_mapper
        table = mapped_table(mapper) if mapper is not None else getattr(state.statement, "table", None)
        if not isinstance(table, sa.Table) or table.name not in self.tables:
            return None
        conn = state.session.connection(bind_arguments=state.bind_arguments)
        statement: Any = state.statement
        pk_names = [c.name for c in table.primary_key.columns]
        if state.is_insert:
            result = state.invoke_statement()
            keys = inserted_keys(table, state.parameters, result)
            changes = []
            for typed in keys:
                row = read_raw(conn, table, typed)
                if row is not None:
                    changes.append(RowChange(table.name, "insert", key_of(row, pk_names), row, None))
        else:
            if state.is_update and any(getattr(c, "key", c) in set(pk_names) for c in set_columns(statement)):
                raise UnsupportedError(
                    f"dual-write cannot follow a bulk UPDATE of {table.name} that changes its primary key",
                    hint="change the key through the ORM object (session.flush mirrors it), or copy then delete",
                    table=table.name,
                )
            befores = select_raw(conn, table, statement.whereclause, state.parameters)
            result = state.invoke_statement()
            changes = []
            for before in befores:
                key = key_of(before, pk_names)
                if state.is_delete:
                    changes.append(RowChange(table.name, "delete", key, None, before))
                    continue
                row = read_raw(conn, table, key, raw=True)
                if row is not None:
                    changes.append(RowChange(table.name, "update", key, row, before))
        self._write(state.session, conn, changes)
        return result

    def _after_commit(self, session: Session) -> None:
        ids = session.info.pop(self._info_key, None)
        if not ids or not self.mirror_enabled:
            return
        self._mirror_up_to(max(ids))

    def _after_rollback(self, session: Session) -> None:
        if not session.in_nested_transaction():
            session.info.pop(self._info_key, None)
            session.info.pop(self._info_key + ".before", None)

    # ------------------------------------------------------------ collecting

    def _object_change(
        self, conn: sa.Connection, obj: Any, op: str, befores: Mapping[int, dict[str, Any]] | None
    ) -> Iterable[RowChange]:
        state = instance_state(obj)
        table = mapped_table(state.mapper)
        if table is None or table.name not in self.tables:
            return ()
        pk = list(table.primary_key.columns)
        pk_names = [c.name for c in pk]
        before = befores.get(id(state)) if befores is not None else None
        if op == "delete":
            if before is not None:
                key = key_of(before, pk_names)
            else:  # not loaded before the flush: the identity still names the row's key
                identity = state.key[1] if state.key is not None else state.mapper.primary_key_from_instance(obj)
                key = raw_key(conn, table, dict(zip(pk, identity, strict=True)))
            return (RowChange(table.name, "delete", key, None, before),)
        current = dict(zip(pk, state.mapper.primary_key_from_instance(obj), strict=True))
        row = read_raw(conn, table, current)
        if row is None:
            return ()
        # The key before the change: for a key update the Applier turns it into delete + put.
        key = key_of(before if before is not None else row, pk_names)
        return (RowChange(table.name, op, key, row, before),)

    def _write(self, session: Session, conn: sa.Connection, changes: Sequence[RowChange]) -> None:
        if not changes:
            return
        ids = self._pending(session)
        now = time.time()
        for change in changes:
            result = conn.execute(
                self.outbox.insert().values(
                    source_table=change.table,
                    op=change.op,
                    key_json=encode_values(change.key),
                    row_json=None if change.row is None else encode_values(change.row),
                    before_json=None if change.before is None else encode_values(change.before),
                    created_at=now,
                )
            )
            inserted = result.inserted_primary_key
            assert inserted is not None
            ids.append(int(inserted[0]))
        with self._counts_lock:
            self._captured += len(changes)


def enable_dual_write(
    target: Target,
    model: DataModel | str | Path,
    client: DynamoDBClient,
    *,
    reporter: Reporter,
    engine: sa.Engine | None = None,
    outbox_table: str = DEFAULT_OUTBOX_TABLE,
    mirror: bool = True,
    retry_after_s: float = 5.0,
    mirror_batch: int = 500,
    applier: Applier | None = None,
    background: bool = False,
) -> DualWrite:
    """Mirror every committed change of ``target``'s sessions to DynamoDB (see the module docstring).

    ``target`` is a ``sessionmaker``, a ``Session`` subclass, or an Engine
    (then every ORM session bound to it).  ``model`` is a DataModel or the
    directory of ``data_model.json``.  ``engine`` is needed only when it
    cannot be found from ``target`` (a sessionmaker without ``bind``).  The
    outbox table is created now if missing.  ``mirror=False`` only queues:
    ``sync --outbox`` then does all the applying.  ``background=True``
    mirrors from one worker thread instead of inside the committing thread:
    a commit then costs the outbox insert only; :meth:`DualWrite.flush`
    waits for the mirror, :meth:`DualWrite.close` stops it.
    """
    if isinstance(model, (str, Path)):
        _, model = load_model(Path(model))
    if engine is None:
        if isinstance(target, sa.Engine):
            engine = target
        elif isinstance(target, sessionmaker) and isinstance(target.kw.get("bind"), sa.Engine):
            engine = target.kw["bind"]
        else:
            raise UsageError("dual-write needs the application's engine", hint="pass engine=<the sa.Engine>")
    settings = MirrorSettings(outbox_table, mirror, retry_after_s, mirror_batch, background)
    owned = applier is None
    if applier is None:
        applier = Applier(model, client, source=engine, reporter=reporter)
    dual = DualWrite(target, engine, model, applier, reporter=reporter, settings=settings)
    dual.owns_applier = owned
    return dual
