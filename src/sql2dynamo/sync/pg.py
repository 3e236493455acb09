"""PostgreSQL change capture: a logical replication slot with ``pgoutput``, read through psycopg2.

psycopg 3 has no replication protocol; psycopg2's ``LogicalReplicationConnection``
does.  The slot decodes the tables of a publication (``FOR TABLE`` the model's
source tables, created together with the slot).  ``pgoutput`` sends values as
text with their type OIDs; they are turned into Python values by psycopg 3's
own loaders, the very ones that gave the backfill its values, so a change
builds byte-identical items.

Positions: every change of a transaction gets ``pg:<commit LSN>:<seq>``; the
slot is acknowledged (``flush_lsn``) with the transaction's end LSN only
after the applier confirmed its writes, so a crash replays from the last
acknowledged transaction and loses nothing.

``REPLICA IDENTITY``: by default an update or delete logs only the old
primary key.  Tables whose items are keyed on other columns too (a unique
lookup item, a key template over a non-key column) need the old row:
:func:`check_server` says which tables need ``REPLICA IDENTITY FULL``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import select
import struct
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
import psycopg2
import psycopg2.extensions
import psycopg2.extras
import sqlalchemy as sa
from psycopg import pq
from psycopg.adapt import Transformer

from sql2dynamo.errors import PrerequisiteError, SourceConnectionError, UsageError
from sql2dynamo.sync.changes import Change, lsn_from_text, lsn_text, pg_position
from sql2dynamo.sync.stream import LINGER_SECONDS, Transaction
from sql2dynamo.urls import parse_url, redact_text

__all__ = [
    "PgCapture",
    "PgSlot",
    "check_server",
    "create_slot",
    "drop_slot",
    "slot_status",
]

_PG_EPOCH = 946684800  # 2000-01-01 in Unix seconds: pgoutput timestamps count from there
Refetch = Callable[[str, Mapping[str, Any]], dict[str, Any] | None]


def connect_kwargs(url: str) -> dict[str, Any]:
    """libpq keyword arguments of a ``postgresql://`` URL."""
    parsed = parse_url(url)
    out: dict[str, Any] = {"dbname": parsed.database or "postgres", "connect_timeout": 10}
    for name, part in (("host", parsed.host), ("port", parsed.port), ("user", parsed.username)):
        if part:
            out[name] = part
    if parsed.password:
        out["password"] = parsed.password
    for name, option in parsed.query.items():
        out[name] = option if isinstance(option, str) else option[-1]
    return out


def _replication_connection(url: str) -> Any:
    kwargs = connect_kwargs(url)
    try:
        conn = psycopg2.connect(connection_factory=psycopg2.extras.LogicalReplicationConnection, **kwargs)
    except psycopg2.OperationalError as exc:
        text = redact_text(str(exc), kwargs.get("password")).strip().splitlines()[0]
        if "replication" in text.lower() or "pg_hba" in text.lower():
            raise PrerequisiteError(
                f"PostgreSQL refused a replication connection: {text}",
                hint="the user needs the REPLICATION attribute (ALTER ROLE name REPLICATION) and pg_hba.conf "
                "must allow it",
            ) from None
        raise SourceConnectionError(f"cannot open a replication connection: {text}") from None
    return conn


# ------------------------------------------------------------------ server checks


def check_server(engine: sa.Engine, tables: Sequence[str], needs_full: Sequence[str]) -> list[str]:
    """What is missing for logical replication of ``tables``: one line per missing setting, empty when none.

    ``needs_full`` are the tables whose old rows the applier needs
    (``REPLICA IDENTITY FULL``).
    """
    problems: list[str] = []
    with engine.connect() as conn:
        settings: dict[str, str] = dict(
            conn.execute(
                sa.text(
                    "SELECT name, setting FROM pg_settings WHERE name IN "
                    "('wal_level', 'max_replication_slots', 'max_wal_senders')"
                )
            ).all()
        )
        if settings.get("wal_level") != "logical":
            problems.append(
                f"wal_level is {settings.get('wal_level')!r}, logical decoding needs 'logical' "
                "(ALTER SYSTEM SET wal_level = 'logical', then restart PostgreSQL)"
            )
        if int(settings.get("max_replication_slots") or 0) < 1:
            problems.append("max_replication_slots is 0 (set it to at least 1 and restart)")
        if int(settings.get("max_wal_senders") or 0) < 1:
            problems.append("max_wal_senders is 0 (set it to at least 1 and restart)")
        role = conn.execute(
            sa.text("SELECT rolname, rolsuper OR rolreplication FROM pg_roles WHERE rolname = current_user")
        ).one()
        if not role[1]:
            problems.append(
                f"role {role[0]} lacks the REPLICATION attribute (ALTER ROLE {role[0]} REPLICATION, as a superuser)"
            )
        for table in needs_full:
            ident = conn.execute(
                sa.text("SELECT relreplident FROM pg_class WHERE oid = to_regclass(:t)"), {"t": _quote(table)}
            ).scalar()
            if ident is not None and ident != "f":
                problems.append(
                    f"table {table} has items keyed on columns outside its primary key, so sync needs its "
                    f"old rows: ALTER TABLE {_quote(table)} REPLICA IDENTITY FULL"
                )
    return problems


def require_server(engine: sa.Engine, tables: Sequence[str], needs_full: Sequence[str]) -> None:
    """Raise ``PrerequisiteError`` (exit 5) naming every missing setting."""
    problems = check_server(engine, tables, needs_full)
    if problems:
        raise PrerequisiteError(
            "PostgreSQL is not ready for change capture: " + "; ".join(problems),
            hint="fix the settings above and run again (nothing was created)",
        )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ------------------------------------------------------------------ slots


@dataclass
class PgSlot:
    """A freshly created slot: its start position and, while ``connection`` stays open, its exported snapshot."""

    name: str
    publication: str
    lsn: int
    snapshot: str | None
    connection: Any = field(repr=False, default=None)

    @property
    def position(self) -> str:
        """The position every change after the snapshot is past."""
        return pg_position(self.lsn, 0)

    def release(self) -> None:
        """Close the connection that keeps the exported snapshot alive (after the backfill)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def create_slot(url: str, engine: sa.Engine, slot: str, tables: Sequence[str]) -> PgSlot:
    """Create the publication (``FOR TABLE tables``) and the slot, exporting its snapshot.

    The snapshot stays importable (``SET TRANSACTION SNAPSHOT``) until
    :meth:`PgSlot.release`.  An existing slot of that name is an error.
    """
    publication = slot
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_replication_slots WHERE slot_name = :s"), {"s": slot}).scalar()
        if exists:
            raise UsageError(
                f"replication slot {slot} exists already",
                hint=f"continue with `sql2dynamo sync --slot {slot}`, or remove it with `sync --drop-slot`",
            )
        conn.execute(sa.text(f"DROP PUBLICATION IF EXISTS {_quote(publication)}"))
        conn.execute(
            sa.text(f"CREATE PUBLICATION {_quote(publication)} FOR TABLE {', '.join(_quote(t) for t in tables)}")
        )
        conn.commit()
    rconn = _replication_connection(url)
    try:
        cur = rconn.cursor()
        cur.execute(f"CREATE_REPLICATION_SLOT {_quote(slot)} LOGICAL pgoutput EXPORT_SNAPSHOT")
        row = cur.fetchone()
    except psycopg2.Error as exc:
        rconn.close()
        raise PrerequisiteError(f"cannot create replication slot {slot}: {str(exc).strip()}") from None
    assert row is not None
    return PgSlot(slot, publication, lsn_from_text(row[1]), row[2], rconn)


def drop_slot(engine: sa.Engine, slot: str) -> bool:
    """Drop the slot and its publication; False when there was no slot (the publication is dropped anyway)."""
    with engine.connect() as conn:
        active = conn.execute(
            sa.text("SELECT active_pid FROM pg_replication_slots WHERE slot_name = :s"), {"s": slot}
        ).first()
        if active is not None and active[0] is not None:
            conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": active[0]})
            time.sleep(0.2)
        if active is not None:
            conn.execute(sa.text("SELECT pg_drop_replication_slot(:s)"), {"s": slot})
        conn.execute(sa.text(f"DROP PUBLICATION IF EXISTS {_quote(slot)}"))
        conn.commit()
    return active is not None


def slot_status(engine: sa.Engine, slot: str) -> dict[str, Any] | None:
    """The slot's state: active, confirmed LSN and the WAL bytes it holds back; None when absent."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT active, confirmed_flush_lsn::text, "
                "pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint, "
                "pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, pg_current_wal_lsn()::text "
                "FROM pg_replication_slots WHERE slot_name = :s"
            ),
            {"s": slot},
        ).first()
    if row is None:
        return None
    return {
        "slot": slot,
        "active": bool(row[0]),
        "confirmed_lsn": row[1],
        "behind_bytes": int(row[2] or 0),
        "retained_bytes": int(row[3] or 0),
        "current_lsn": row[4],
    }


def snapshot_engine(url: sa.URL | str, snapshot: str) -> sa.Engine:
    """An engine whose every transaction reads the exported ``snapshot`` (``REPEATABLE READ``)."""
    engine = sa.create_engine(url, pool_size=16, max_overflow=16)

    @sa.event.listens_for(engine, "begin")
    def _import(conn: sa.Connection) -> None:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")

    return engine


# ------------------------------------------------------------------ streaming


@dataclass
class _Relation:
    schema: str
    name: str
    columns: list[tuple[str, int]]  # name, type OID


class PgCapture:
    """Reads committed transactions of the model's tables from a slot; acknowledges what was applied."""

    def __init__(
        self,
        url: str,
        slot: str,
        *,
        tables: Mapping[str, Sequence[str]],
        refetch: Refetch | None = None,
        publication: str | None = None,
    ) -> None:
        """``tables`` maps each captured table to its primary-key columns; ``refetch`` reads a row by key.

        ``refetch`` fills in an update whose new row lacks unchanged TOASTed
        values (large values PostgreSQL does not repeat) when the old row is
        not logged either.  ``publication`` defaults to the slot's name.
        """
        self.slot = slot
        self.tables = {name: tuple(cols) for name, cols in tables.items()}
        self.refetch = refetch
        self._conn = _replication_connection(url)
        self._cur = self._conn.cursor()
        self._typed = psycopg.connect(**connect_kwargs(url))
        self._loaders = Transformer(self._typed)
        self._relations: dict[int, _Relation] = {}
        self._current: list[Change] | None = None
        self._final_lsn = 0
        self._commit_time = 0.0
        self._seq = 0
        self._flushed = 0
        self.notices: list[str] = []
        try:
            self._cur.start_replication(
                slot_name=slot,
                decode=False,
                options={"proto_version": "1", "publication_names": publication or slot},
            )
        except psycopg2.Error as exc:
            self.close()
            text = str(exc).strip().splitlines()[0]
            if "does not exist" in text:
                raise UsageError(
                    f"replication slot {slot} does not exist",
                    hint="create it with `sql2dynamo migrate --with-sync` (slot, snapshot and backfill together)",
                ) from None
            raise SourceConnectionError(f"cannot start replication from slot {slot}: {text}") from None

    # -------------------------------------------------------------- the capture protocol

    def poll(self, timeout: float, max_changes: int) -> list[Transaction]:
        """Committed transactions received within ``timeout`` seconds (stops early at ``max_changes``)."""
        out: list[Transaction] = []
        count = 0
        deadline = first = time.monotonic() + timeout
        while count < max_changes:
            msg = self._cur.read_message()
            if msg is None:
                now = time.monotonic()
                # A transaction already begun is read to its commit, deadline or not; a batch stays open
                # LINGER_SECONDS after its first commit, so a steady trickle is applied in parallel groups.
                if self._current is None and (now >= deadline or (out and now >= first + LINGER_SECONDS)):
                    break
                limit = deadline if not out else min(deadline, first + LINGER_SECONDS)
                select.select([self._cur], [], [], min(max(limit - now, 0.005), 0.2))
                continue
            txn = self._message(bytes(msg.payload))
            if txn is not None:
                if not out:
                    first = time.monotonic()
                out.append(txn)
                count += len(txn.changes)
        return out

    def acknowledge(self, resume: Mapping[str, Any]) -> None:
        """Tell the server everything up to ``resume["lsn"]`` is applied (it may free that WAL)."""
        lsn = int(resume["lsn"])
        if lsn > self._flushed:
            self._flushed = lsn
        self._cur.send_feedback(write_lsn=self._flushed, flush_lsn=self._flushed, force=True)

    def end_position(self) -> dict[str, Any]:
        """Where the server's WAL ends now (what ``--until-caught-up`` must reach)."""
        with self._typed.cursor() as cur:
            cur.execute("SELECT pg_current_wal_lsn()::text")
            row = cur.fetchone()
        self._typed.rollback()
        assert row is not None
        return {"lsn": lsn_from_text(str(row[0]))}

    def reached(self, target: Mapping[str, Any]) -> bool:
        """Whether every transaction committed before ``target`` was received (no transaction open)."""
        if self._current is not None:
            return False
        if self._cur.wal_end >= int(target["lsn"]):
            if self._flushed < self._cur.wal_end:
                # Nothing of ours is pending: the WAL read so far needs no replay.
                self.acknowledge({"lsn": self._cur.wal_end})
            return True
        # Ask for a keepalive: it carries the position the server has decoded up to.
        self._cur.send_feedback(flush_lsn=self._flushed, reply=True, force=True)
        return False

    def describe(self, resume: Mapping[str, Any]) -> str:
        """A resume point as text."""
        return f"LSN {lsn_text(int(resume['lsn']))}"

    def close(self) -> None:
        """Close both connections (unacknowledged changes are sent again next time)."""
        for conn in (getattr(self, "_conn", None), getattr(self, "_typed", None)):
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()

    # -------------------------------------------------------------- pgoutput messages

    def _message(self, data: bytes) -> Transaction | None:
        kind = data[:1]
        if kind == b"B":
            self._final_lsn, ts, _ = struct.unpack_from("!QqI", data, 1)
            self._commit_time = ts / 1e6 + _PG_EPOCH
            self._current, self._seq = [], 0
        elif kind == b"C":
            _, _, end_lsn, _ = struct.unpack_from("!bQQq", data, 1)
            changes = tuple(self._current or ())
            self._current = None
            position = changes[-1].position if changes else pg_position(self._final_lsn, 0)
            return Transaction(changes, {"lsn": end_lsn}, position, self._commit_time)
        elif kind == b"R":
            self._relation(data)
        elif kind in (b"I", b"U", b"D"):
            change = self._row_change(kind, data)
            if change is not None and self._current is not None:
                self._current.append(change)
        elif kind == b"T":
            (count,) = struct.unpack_from("!I", data, 1)
            relids = struct.unpack_from(f"!{count}I", data, 6)
            names = [self._relations[r].name for r in relids if r in self._relations]
            mapped = [n for n in names if n in self.tables]
            if mapped:
                self.notices.append(
                    f"TRUNCATE of {', '.join(mapped)} is not streamed (it carries no rows): their items stay in "
                    "DynamoDB; delete them, or run the backfill again"
                )
        return None

    def drain_notices(self) -> list[str]:
        """Messages about changes that could not be applied, since the last call."""
        out, self.notices = self.notices, []
        return out

    def _relation(self, data: bytes) -> None:
        (relid,) = struct.unpack_from("!I", data, 1)
        at = 5
        schema, at = _cstring(data, at)
        name, at = _cstring(data, at)
        at += 1  # replica identity setting
        (ncols,) = struct.unpack_from("!h", data, at)
        at += 2
        columns = []
        for _ in range(ncols):
            at += 1  # flags
            col, at = _cstring(data, at)
            oid, _ = struct.unpack_from("!Ii", data, at)
            at += 8
            columns.append((col, oid))
        self._relations[relid] = _Relation(schema, name, columns)

    def _row_change(self, kind: bytes, data: bytes) -> Change | None:
        (relid,) = struct.unpack_from("!I", data, 1)
        rel = self._relations[relid]
        key_cols = self.tables.get(rel.name)
        if key_cols is None:
            return None
        at = 5
        old: dict[str, Any] | None = None
        old_full = False
        new: dict[str, Any] | None = None
        unchanged: list[str] = []
        while at < len(data):
            tag = data[at : at + 1]
            at += 1
            values, missing, at = self._tuple(rel, data, at)
            if tag == b"N":
                new, unchanged = values, missing
            else:
                old, old_full = values, tag == b"O"
        self._seq += 1
        position = pg_position(self._final_lsn, self._seq)
        if kind == b"D":
            assert old is not None
            key = {c: old[c] for c in key_cols}
            return Change(rel.name, "delete", key, None, position, old if old_full else None, self._commit_time)
        assert new is not None
        if unchanged:
            if old_full and old is not None:
                for col in unchanged:
                    new[col] = old[col]
            elif self.refetch is not None:
                fetched = self.refetch(rel.name, {c: new[c] for c in key_cols})
                if fetched is None:
                    return None  # deleted since: its delete follows in the stream
                new = fetched
        if kind == b"I":
            return Change(rel.name, "insert", {c: new[c] for c in key_cols}, new, position, None, self._commit_time)
        source = old if old is not None else new
        key = {c: source[c] for c in key_cols}
        before = old if old_full else None
        return Change(rel.name, "update", key, new, position, before, self._commit_time)

    def _tuple(self, rel: _Relation, data: bytes, at: int) -> tuple[dict[str, Any], list[str], int]:
        (ncols,) = struct.unpack_from("!h", data, at)
        at += 2
        values: dict[str, Any] = {}
        unchanged: list[str] = []
        for i in range(ncols):
            name, oid = rel.columns[i]
            tag = data[at : at + 1]
            at += 1
            if tag == b"n":
                values[name] = None
            elif tag == b"u":
                values[name] = None
                unchanged.append(name)
            else:
                (size,) = struct.unpack_from("!i", data, at)
                at += 4
                raw = data[at : at + size]
                at += size
                values[name] = self._loaders.get_loader(oid, pq.Format.TEXT).load(raw)
        return values, unchanged, at


def _cstring(data: bytes, at: int) -> tuple[str, int]:
    end = data.index(b"\x00", at)
    return data[at:end].decode("utf-8"), end + 1


def commit_datetime(epoch: float) -> dt.datetime:
    """A commit time (epoch seconds) as an aware datetime, for messages."""
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)
