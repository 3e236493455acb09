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

Slots, publications and the server checks are :mod:`~sql2dynamo.sync.pg_slot`'s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import select
import struct
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import psycopg2
import psycopg2.extensions
import psycopg2.extras
from psycopg import pq
from psycopg.adapt import Transformer

from sql2dynamo.common.errors import SourceConnectionError, UsageError
from sql2dynamo.sync.changes import Change, lsn_from_text, lsn_text, pg_position
from sql2dynamo.sync.pg_slot import connect_kwargs, replication_connection
from sql2dynamo.sync.stream import LINGER_SECONDS, Transaction

__all__ = ["PgCapture", "commit_datetime"]

_PG_EPOCH = 946684800  # 2000-01-01 in Unix seconds: pgoutput timestamps count from there
Refetch = Callable[[str, Mapping[str, Any]], dict[str, Any] | None]


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
        self._conn = replication_connection(url)
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
