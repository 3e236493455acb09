"""PostgreSQL change capture's server side: settings checks, the publication and slot, the exported snapshot.

A slot is created together with a publication ``FOR TABLE`` the model's source tables, exporting a
snapshot every backfill reader imports (:func:`snapshot_engine`), so the backfill and the stream meet
exactly at the slot's start position.

``REPLICA IDENTITY``: by default an update or delete logs only the old
primary key.  Tables whose items are keyed on other columns too (a unique
lookup item, a key template over a non-key column) need the old row:
:func:`check_server` says which tables need ``REPLICA IDENTITY FULL``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg2
import psycopg2.extensions
import psycopg2.extras
import sqlalchemy as sa

from sql2dynamo.common.errors import PrerequisiteError, SourceConnectionError, UsageError
from sql2dynamo.common.urls import parse_url, redact_text
from sql2dynamo.source.lenient import PG_OPTIONS, make_lenient
from sql2dynamo.sync.changes import lsn_from_text, pg_position

__all__ = [
    "PgSlot",
    "check_server",
    "connect_kwargs",
    "create_slot",
    "drop_slot",
    "quote_ident",
    "replication_connection",
    "require_server",
    "slot_status",
    "snapshot_engine",
]


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


def replication_connection(url: str) -> Any:
    """A psycopg2 ``LogicalReplicationConnection``; a refused one names the missing privilege."""
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
                sa.text("SELECT relreplident FROM pg_class WHERE oid = to_regclass(:t)"), {"t": quote_ident(table)}
            ).scalar()
            if ident is not None and ident != "f":
                problems.append(
                    f"table {table} has items keyed on columns outside its primary key, so sync needs its "
                    f"old rows: ALTER TABLE {quote_ident(table)} REPLICA IDENTITY FULL"
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


def quote_ident(name: str) -> str:
    """``name`` as a double-quoted PostgreSQL identifier."""
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
        conn.execute(sa.text(f"DROP PUBLICATION IF EXISTS {quote_ident(publication)}"))
        conn.execute(
            sa.text(
                f"CREATE PUBLICATION {quote_ident(publication)} FOR TABLE {', '.join(quote_ident(t) for t in tables)}"
            )
        )
        conn.commit()
    rconn = replication_connection(url)
    try:
        cur = rconn.cursor()
        cur.execute(f"CREATE_REPLICATION_SLOT {quote_ident(slot)} LOGICAL pgoutput EXPORT_SNAPSHOT")
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
        conn.execute(sa.text(f"DROP PUBLICATION IF EXISTS {quote_ident(slot)}"))
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
    """An engine whose every transaction reads the exported ``snapshot`` (``REPEATABLE READ``).

    Its values read as every source connection reads them (:mod:`~sql2dynamo.source.lenient`).
    """
    engine = make_lenient(sa.create_engine(url, pool_size=16, max_overflow=16, connect_args={"options": PG_OPTIONS}))

    @sa.event.listens_for(engine, "begin")
    def _import(conn: sa.Connection) -> None:
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")

    return engine
