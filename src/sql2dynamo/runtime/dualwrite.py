"""Dual-write for SQLAlchemy applications: every committed insert, update and delete is mirrored to DynamoDB.

    dual = enable_dual_write(SessionLocal, "out/decision_data", dynamodb_client)

How a change travels, and why it can never break the application:

1. ``after_flush`` (and ``do_orm_execute`` for bulk ``update()``/``delete()``/
   ``insert()`` statements run through the session) collects the changed rows
   of the tables the model maps, re-reads each row as the driver returns it
   (raw values, as the backfill reads them), and inserts one outbox entry per
   row *in the application's transaction* (:mod:`sql2dynamo.runtime.outbox`).
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
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, sessionmaker
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.types import NullType

from sql2dynamo.design.model import DataModel
from sql2dynamo.errors import UnsupportedError, UsageError
from sql2dynamo.reporting import Reporter
from sql2dynamo.runtime.outbox import (
    DEFAULT_OUTBOX_TABLE,
    DrainResult,
    apply_pending,
    drain_outbox,
    encode_values,
    ensure_outbox,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from sql2dynamo.sync.apply import Applier

__all__ = ["DualWrite", "DualWriteStats", "RowChange", "enable_dual_write"]

Target = sa.Engine | sessionmaker[Any] | type[Session]


@dataclass(frozen=True)
class RowChange:
    """One collected change before it becomes an outbox entry: raw driver values."""

    table: str
    op: str
    key: dict[str, Any]
    row: dict[str, Any] | None
    before: dict[str, Any] | None


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


class DualWrite:
    """The installed integration: its listeners, the mirror and its counters.  Build with :func:`enable_dual_write`."""

    def __init__(
        self,
        target: Target,
        engine: sa.Engine,
        model: DataModel,
        applier: Applier,
        *,
        reporter: Reporter,
        outbox_table: str,
        mirror: bool,
        retry_after_s: float,
        mirror_batch: int,
        background: bool = False,
    ) -> None:
        self.target = target
        self.engine = engine
        self.model = model
        self.applier = applier
        self.owns_applier = False
        self.reporter = reporter
        self.outbox = ensure_outbox(engine, outbox_table)
        self.mirror_enabled = mirror
        self.retry_after_s = retry_after_s
        self.mirror_batch = mirror_batch
        self.background = background
        # Background mode: commits only raise the id to mirror up to; one worker thread applies.
        self._work = threading.Condition()
        self._wanted = self._handled = 0
        self._stopping = False
        self._worker: threading.Thread | None = None
        if background and mirror:
            self._worker = threading.Thread(target=self._run_worker, name="s2d-dualwrite", daemon=True)
            self._worker.start()
        self.tables = frozenset(e.source_table for t in model.tables for e in t.entities)
        self._info_key = f"sql2dynamo.dualwrite.{id(self)}"
        self._lock = threading.Lock()  # one mirror at a time: a process applies its entries in id order
        self._counts_lock = threading.Lock()
        self._captured = self._mirrored = self._failures = self._skipped = 0
        self._last_error: str | None = None
        self._open_until = 0.0
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
        if self._worker is not None:
            self.flush(timeout_s)
            with self._work:
                self._stopping = True
                self._work.notify_all()
            self._worker.join(timeout_s)
        if self.owns_applier:
            self.applier.close()

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
            table = _mapped_table(state.mapper)
            if table is None or table.name not in self.tables or state.key is None or id(state) in befores:
                continue
            key = dict(zip(table.primary_key.columns, state.key[1], strict=True))
            row = _read_raw(conn, table, key)
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
        table = _mapped_table(mapper) if mapper is not None else getattr(state.statement, "table", None)
        if not isinstance(table, sa.Table) or table.name not in self.tables:
            return None
        conn = state.session.connection(bind_arguments=state.bind_arguments)
        statement: Any = state.statement
        pk_names = [c.name for c in table.primary_key.columns]
        if state.is_insert:
            result = state.invoke_statement()
            keys = _inserted_keys(table, state.parameters, result)
            changes = []
            for typed in keys:
                row = _read_raw(conn, table, typed)
                if row is not None:
                    changes.append(RowChange(table.name, "insert", _key_of(row, pk_names), row, None))
        else:
            if state.is_update and any(getattr(c, "key", c) in set(pk_names) for c in _set_columns(statement)):
                raise UnsupportedError(
                    f"dual-write cannot follow a bulk UPDATE of {table.name} that changes its primary key",
                    hint="change the key through the ORM object (session.flush mirrors it), or copy then delete",
                    table=table.name,
                )
            befores = _select_raw(conn, table, statement.whereclause, state.parameters)
            result = state.invoke_statement()
            changes = []
            for before in befores:
                key = _key_of(before, pk_names)
                if state.is_delete:
                    changes.append(RowChange(table.name, "delete", key, None, before))
                    continue
                row = _read_raw(conn, table, key, raw=True)
                if row is not None:
                    changes.append(RowChange(table.name, "update", key, row, before))
        self._write(state.session, conn, changes)
        return result

    def _after_commit(self, session: Session) -> None:
        ids = session.info.pop(self._info_key, None)
        if not ids or not self.mirror_enabled:
            return
        if self._worker is None:
            self._mirror(max(ids))
            return
        with self._work:
            self._wanted = max(self._wanted, max(ids))
            self._work.notify_all()

    def _after_rollback(self, session: Session) -> None:
        if not session.in_nested_transaction():
            session.info.pop(self._info_key, None)
            session.info.pop(self._info_key + ".before", None)

    # ------------------------------------------------------------ collecting

    def _object_change(
        self, conn: sa.Connection, obj: Any, op: str, befores: Mapping[int, dict[str, Any]] | None
    ) -> Iterable[RowChange]:
        state = instance_state(obj)
        table = _mapped_table(state.mapper)
        if table is None or table.name not in self.tables:
            return ()
        pk = list(table.primary_key.columns)
        pk_names = [c.name for c in pk]
        before = befores.get(id(state)) if befores is not None else None
        if op == "delete":
            if before is not None:
                key = _key_of(before, pk_names)
            else:  # not loaded before the flush: the identity still names the row's key
                identity = state.key[1] if state.key is not None else state.mapper.primary_key_from_instance(obj)
                key = _raw_key(conn, table, dict(zip(pk, identity, strict=True)))
            return (RowChange(table.name, "delete", key, None, before),)
        current = dict(zip(pk, state.mapper.primary_key_from_instance(obj), strict=True))
        row = _read_raw(conn, table, current)
        if row is None:
            return ()
        # The key before the change: for a key update the Applier turns it into delete + put.
        key = _key_of(before if before is not None else row, pk_names)
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

    # ------------------------------------------------------------ mirroring

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
        from sql2dynamo.target.deploy import load_model

        _, model = load_model(Path(model))
    if engine is None:
        if isinstance(target, sa.Engine):
            engine = target
        elif isinstance(target, sessionmaker) and isinstance(target.kw.get("bind"), sa.Engine):
            engine = target.kw["bind"]
        else:
            raise UsageError("dual-write needs the application's engine", hint="pass engine=<the sa.Engine>")
    if retry_after_s < 0 or mirror_batch < 1:
        raise UsageError("retry_after_s must not be negative and mirror_batch at least 1")
    owned = applier is None
    if applier is None:
        from sql2dynamo.sync.apply import Applier

        applier = Applier(model, client, source=engine, reporter=reporter)
    dual = DualWrite(
        target,
        engine,
        model,
        applier,
        reporter=reporter,
        outbox_table=outbox_table,
        mirror=mirror,
        retry_after_s=retry_after_s,
        mirror_batch=mirror_batch,
        background=background,
    )
    dual.owns_applier = owned
    return dual


# ------------------------------------------------------------------ helpers


def _mapped_table(mapper: Mapper[Any]) -> sa.Table | None:
    table = mapper.local_table
    return table if isinstance(table, sa.Table) else None


def _raw_key(conn: sa.Connection, table: sa.Table, key: Mapping[Any, Any]) -> dict[str, Any]:
    """Typed key values -> what the driver stores (a UUID as SQLite's hex text), as the backfill reads them."""
    dialect = conn.dialect
    out: dict[str, Any] = {}
    for col in table.primary_key.columns:
        value = key[col]
        process = col.type.dialect_impl(dialect).bind_processor(dialect)
        out[col.name] = process(value) if process is not None and value is not None else value
    return out


def _raw_columns(table: sa.Table) -> list[Any]:
    # No result processing: the values as the driver returns them, exactly what the backfill reads.
    return [sa.type_coerce(c, NullType()).label(c.name) for c in table.columns]


def _read_raw(
    conn: sa.Connection, table: sa.Table, key: Mapping[Any, Any], *, raw: bool = False
) -> dict[str, Any] | None:
    """The row as stored now, raw; None if it is gone.  ``key``: typed values by Column, or raw ones by name."""
    if raw:
        where = [
            sa.type_coerce(c, NullType()) == sa.literal(key[c.name], NullType()) for c in table.primary_key.columns
        ]
    else:
        where = [c == key[c] for c in table.primary_key.columns]
    row = conn.execute(sa.select(*_raw_columns(table)).where(*where)).mappings().first()
    return None if row is None else dict(row)


def _select_raw(conn: sa.Connection, table: sa.Table, where: Any, params: Any) -> list[dict[str, Any]]:
    """The raw rows a bulk UPDATE/DELETE with ``where`` is about to change."""
    query = sa.select(*_raw_columns(table))
    if where is not None:
        query = query.where(where)
    return [dict(r) for r in conn.execute(query, params if isinstance(params, Mapping) else {}).mappings()]


def _key_of(row: Mapping[str, Any], pk_names: Sequence[str]) -> dict[str, Any]:
    return {name: row[name] for name in pk_names}


def _set_columns(statement: Any) -> list[Any]:
    values = getattr(statement, "_values", None) or {}
    ordered = getattr(statement, "_ordered_values", None) or []
    return [k for k in values] + [k for k, _ in ordered]


def _inserted_keys(table: sa.Table, params: Any, result: Any) -> list[dict[Any, Any]]:
    pk = list(table.primary_key.columns)
    rows: list[Mapping[str, Any]] = []
    if isinstance(params, Mapping) and params:
        rows = [params]
    elif isinstance(params, Sequence) and not isinstance(params, (str, bytes)):
        rows = [p for p in params if isinstance(p, Mapping)]
    keys: list[dict[Any, Any]] = []
    for row in rows:
        if all(c.key in row for c in pk):
            keys.append({c: row[c.key] for c in pk})
    if keys:
        return keys
    inserted = getattr(result, "inserted_primary_key_rows", None) if not rows else None
    if inserted:
        return [dict(zip(pk, r, strict=True)) for r in inserted if None not in tuple(r)]
    raise UnsupportedError(
        f"dual-write cannot tell which rows a bulk INSERT into {table.name} wrote",
        hint="give the primary-key values in the parameters, or add the objects to the session",
        table=table.name,
    )
