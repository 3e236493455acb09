"""The durable outbox: row changes written in the application's own transaction, drained into DynamoDB.

Dual-write (:mod:`sql2dynamo.cutover.dualwrite`) inserts one outbox row per
changed source row *before* the application's transaction commits, so the
outbox commits or rolls back with the change it describes.  After the commit
the mirror applies the entries and deletes them; whatever DynamoDB did not
confirm stays and is drained later by :func:`drain_outbox`
(``sql2dynamo sync SOURCE --outbox``), in outbox id order, through the same
:class:`~sql2dynamo.sync.apply.Applier` as log-based sync.

An entry becomes a :class:`~sql2dynamo.sync.changes.Change` whose position is
``ob:<20-digit outbox id>``: within one key the id order is the commit order
(the outbox row is written after the changed row, under its row lock), so the
Applier's position conditions keep a replayed or late entry from moving an
item backwards.

Values are stored as tagged JSON so that what the Applier gets back has the
driver's own Python types (``Decimal`` stays ``Decimal``, a ``datetime`` stays
a ``datetime``), exactly as the backfill reads them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.sync.changes import Change, outbox_position

if TYPE_CHECKING:
    from sql2dynamo.sync.apply import Applier

__all__ = [
    "DEFAULT_OUTBOX_TABLE",
    "DrainResult",
    "OutboxEntry",
    "OutboxStatus",
    "decode_values",
    "drain_outbox",
    "encode_values",
    "ensure_outbox",
    "outbox_status",
    "outbox_table",
    "position_of",
    "read_entries",
]

DEFAULT_OUTBOX_TABLE = "sql2dynamo_outbox"
_TAG = "$s2d"


def outbox_table(name: str = DEFAULT_OUTBOX_TABLE, metadata: sa.MetaData | None = None) -> sa.Table:
    """The outbox's table: an increasing id, the source table, the operation, key, row and row before as JSON."""
    return sa.Table(
        name,
        metadata if metadata is not None else sa.MetaData(),
        # BigInteger ids autoincrement on PostgreSQL and MariaDB; SQLite needs its INTEGER PRIMARY KEY (rowid).
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("source_table", sa.String(255), nullable=False),
        sa.Column("op", sa.String(6), nullable=False),
        sa.Column("key_json", sa.Text, nullable=False),
        sa.Column("row_json", sa.Text, nullable=True),
        sa.Column("before_json", sa.Text, nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
        # Ids must never be reused, even once the outbox is empty: a reused id is an older position, and the
        # Applier would skip its change as stale.  SQLite reuses rowids unless AUTOINCREMENT is asked for;
        # PostgreSQL sequences and InnoDB's counter (persistent since MariaDB 10.2.4 / MySQL 8.0) do not.
        sqlite_autoincrement=True,
    )


def ensure_outbox(bind: sa.Engine | sa.Connection, name: str = DEFAULT_OUTBOX_TABLE) -> sa.Table:
    """Create the outbox table unless it exists; return it."""
    table = outbox_table(name)
    table.create(bind, checkfirst=True)
    return table


# ------------------------------------------------------------------ values


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {_TAG: "float", "v": repr(value)}  # keeps nan/inf, which JSON cannot hold
    if isinstance(value, Decimal):
        return {_TAG: "decimal", "v": str(value)}
    if isinstance(value, dt.datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {_TAG: "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {_TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, uuid.UUID):
        return {_TAG: "uuid", "v": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {_TAG: "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (set, frozenset)):
        return {_TAG: "set", "v": [_encode(v) for v in sorted(value, key=repr)]}
    if isinstance(value, tuple):
        return {_TAG: "tuple", "v": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if _TAG in value:
            return {_TAG: "dict", "v": [[_encode(k), _encode(v)] for k, v in value.items()]}
        return {str(k): _encode(v) for k, v in value.items()}
    raise InputError(f"the outbox cannot store a {type(value).__name__} value", hint="map the column to a plain type")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag is None:
        return {k: _decode(v) for k, v in value.items()}
    payload = value["v"]
    if tag == "float":
        return float(payload)
    if tag == "decimal":
        return Decimal(payload)
    if tag == "datetime":
        return dt.datetime.fromisoformat(payload)
    if tag == "date":
        return dt.date.fromisoformat(payload)
    if tag == "time":
        return dt.time.fromisoformat(payload)
    if tag == "timedelta":
        return dt.timedelta(days=payload[0], seconds=payload[1], microseconds=payload[2])
    if tag == "uuid":
        return uuid.UUID(payload)
    if tag == "bytes":
        return base64.b64decode(payload)
    if tag == "set":
        return {_decode(v) for v in payload}
    if tag == "tuple":
        return tuple(_decode(v) for v in payload)
    if tag == "dict":
        return {_decode(k): _decode(v) for k, v in payload}
    raise InputError(f"unknown value tag {tag!r} in the outbox", hint="was it written by a newer sql2dynamo?")


def encode_values(values: Mapping[str, Any]) -> str:
    """Column -> value as tagged JSON text; every driver type round-trips through :func:`decode_values`."""
    return json.dumps({k: _encode(v) for k, v in values.items()}, separators=(",", ":"), ensure_ascii=False)


def decode_values(text: str) -> dict[str, Any]:
    """The inverse of :func:`encode_values`."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise InputError("an outbox entry holds no column map")
    return {k: _decode(v) for k, v in data.items()}


# ------------------------------------------------------------------ entries


def position_of(entry_id: int) -> str:
    """The fixed-width position of outbox entry ``entry_id``: text order == id order."""
    return outbox_position(entry_id)


@dataclass(frozen=True)
class OutboxEntry:
    """One stored change, decoded."""

    id: int
    table: str
    op: str
    key: dict[str, Any]
    row: dict[str, Any] | None
    before: dict[str, Any] | None
    created_at: float

    def to_change(self) -> Change:
        """The entry as the sync Applier's :class:`Change`."""
        op: Any = self.op
        return Change(
            table=self.table,
            op=op,
            key=self.key,
            row=self.row,
            position=position_of(self.id),
            before=self.before,
            commit_time=self.created_at,
        )


def read_entries(
    conn: sa.Connection, table: sa.Table, *, limit: int, up_to: int | None = None, after: int | None = None
) -> list[OutboxEntry]:
    """Up to ``limit`` entries in id order, optionally only ids in ``(after, up_to]``."""
    query = sa.select(table).order_by(table.c.id).limit(limit)
    if up_to is not None:
        query = query.where(table.c.id <= up_to)
    if after is not None:
        query = query.where(table.c.id > after)
    return [
        OutboxEntry(
            id=int(r.id),
            table=r.source_table,
            op=r.op,
            key=decode_values(r.key_json),
            row=decode_values(r.row_json) if r.row_json is not None else None,
            before=decode_values(r.before_json) if r.before_json is not None else None,
            created_at=float(r.created_at),
        )
        for r in conn.execute(query)
    ]


def delete_entries(conn: sa.Connection, table: sa.Table, ids: Sequence[int]) -> int:
    """Delete applied entries; ids already gone (another drainer was faster) are no error."""
    deleted = 0
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        deleted += conn.execute(sa.delete(table).where(table.c.id.in_(chunk))).rowcount or 0
    return deleted


def apply_pending(
    engine: sa.Engine,
    table: sa.Table,
    applier: Applier,
    *,
    up_to: int | None = None,
    batch_size: int = 500,
    max_batches: int | None = None,
) -> tuple[int, int]:
    """Apply every entry (up to id ``up_to``, at most ``max_batches`` batches) in id order; delete once confirmed.

    Returns ``(entries applied, batches)``.  An Applier failure propagates:
    the entries of the failed batch and all later ones stay in the outbox.
    """
    applied = batches = 0
    after: int | None = None
    while True:
        with engine.connect() as conn:
            entries = read_entries(conn, table, limit=batch_size, up_to=up_to, after=after)
        if not entries:
            return applied, batches
        applier.apply([e.to_change() for e in entries])
        with engine.begin() as conn:
            delete_entries(conn, table, [e.id for e in entries])
        applied += len(entries)
        batches += 1
        after = entries[-1].id
        if len(entries) < batch_size or (max_batches is not None and batches >= max_batches):
            return applied, batches


# ------------------------------------------------------------------ status and drain


@dataclass(frozen=True)
class OutboxStatus:
    """How much the outbox holds: the backlog ``sync --outbox`` still has to apply."""

    exists: bool
    entries: int
    oldest_age_s: float | None
    first_position: str | None
    last_position: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "exists": self.exists,
            "entries": self.entries,
            "oldest_age_s": None if self.oldest_age_s is None else round(self.oldest_age_s, 3),
            "first_position": self.first_position,
            "last_position": self.last_position,
        }


def outbox_status(engine: sa.Engine, name: str = DEFAULT_OUTBOX_TABLE) -> OutboxStatus:
    """Count the outbox's entries (no table: nothing is pending, ``exists`` is False)."""
    if not sa.inspect(engine).has_table(name):
        return OutboxStatus(False, 0, None, None, None)
    table = outbox_table(name)
    with engine.connect() as conn:
        count, first, last, oldest = conn.execute(
            sa.select(
                sa.func.count(), sa.func.min(table.c.id), sa.func.max(table.c.id), sa.func.min(table.c.created_at)
            )
        ).one()
    return OutboxStatus(
        True,
        int(count),
        None if oldest is None else max(0.0, time.time() - float(oldest)),
        None if first is None else position_of(int(first)),
        None if last is None else position_of(int(last)),
    )


@dataclass(frozen=True)
class DrainResult:
    """What one drain did: entries applied (and deleted), batches, what is left, how long it took."""

    applied: int
    batches: int
    remaining: int
    seconds: float
    first_position: str | None
    last_position: str | None

    def summary(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "applied": self.applied,
            "batches": self.batches,
            "remaining": self.remaining,
            "seconds": round(self.seconds, 3),
            "first_position": self.first_position,
            "last_position": self.last_position,
        }


def drain_outbox(
    source_engine: sa.Engine,
    applier: Applier,
    reporter: Reporter,
    *,
    table_name: str = DEFAULT_OUTBOX_TABLE,
    batch_size: int = 500,
) -> DrainResult:
    """Apply every outbox entry to DynamoDB in id order; delete each batch once DynamoDB confirmed it.

    Entries written while the drain runs are applied too (it stops at the
    first empty read).  An Applier failure propagates with the unapplied
    entries still in the outbox, so running the drain again resumes there.
    """
    started = time.monotonic()
    before = outbox_status(source_engine, table_name)
    if not before.exists:
        reporter.info(f"outbox {table_name}: no such table, nothing to drain")
        return DrainResult(0, 0, 0, time.monotonic() - started, None, None)
    table = outbox_table(table_name)
    reporter.info(f"outbox {table_name}: {before.entries} entries to apply")
    with reporter.task(f"draining {table_name}", total=before.entries or None) as progress:
        applied = batches = 0
        while True:
            n, b = apply_pending(source_engine, table, applier, batch_size=batch_size)
            applied += n
            batches += b
            progress.advance(n)
            if n == 0:
                break
    after = outbox_status(source_engine, table_name)
    return DrainResult(
        applied,
        batches,
        after.entries,
        time.monotonic() - started,
        before.first_position,
        before.last_position if applied else None,
    )
