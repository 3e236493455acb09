"""MySQL/MariaDB change capture: the row-based binlog, read with ``mysql-replication``.

The server must log whole rows with their column names: ``log_bin`` on,
``binlog_format=ROW``, ``binlog_row_image=FULL`` (the old row of an update or
delete, which unique lookup items need) and ``binlog_row_metadata=FULL``
(column names in the log: without them the reader sees ``UNKNOWN_COL0`` and
loses SET and ENUM values); the user needs ``REPLICATION SLAVE`` and
``REPLICATION CLIENT`` (MariaDB 10.5+: ``BINLOG MONITOR``).

Positions: the rows of a transaction are buffered until its ``Xid`` (the
InnoDB commit); each gets ``my:<file index>:<position of the commit's end>:<seq>``
and the transaction resumes at that ``(file, position)``.  The checkpoint
lives in the control table (the binlog has no consumer state of its own),
written only after the applier confirmed the batch.

Snapshot for ``migrate --with-sync``: one connection runs ``START
TRANSACTION WITH CONSISTENT SNAPSHOT``; on MariaDB the binlog position of
that very snapshot is ``Binlog_snapshot_file``/``_position``; on MySQL the
position is read under a brief ``FLUSH TABLES WITH READ LOCK`` taken around
the transaction's start.  InnoDB cannot share a snapshot between
connections, so the whole backfill reads through that one connection (one
reader thread; the writers stay parallel).
"""

from __future__ import annotations

import random
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pymysql
import sqlalchemy as sa
from pymysqlreplication import BinLogStreamReader
from pymysqlreplication.event import RotateEvent, XidEvent
from pymysqlreplication.row_event import DeleteRowsEvent, UpdateRowsEvent, WriteRowsEvent
from sqlalchemy.pool import StaticPool

from sql2dynamo.common.errors import PrerequisiteError, SourceConnectionError
from sql2dynamo.common.urls import parse_url, redact_text
from sql2dynamo.sync.changes import Change, binlog_index, my_position
from sql2dynamo.sync.stream import LINGER_SECONDS, Transaction

__all__ = [
    "MySnapshot",
    "MySqlCapture",
    "check_server",
    "column_fixes",
    "master_position",
    "open_snapshot",
    "require_server",
]


def connect_kwargs(url: str) -> dict[str, Any]:
    """PyMySQL keyword arguments of a ``mysql://`` URL (without the database)."""
    parsed = parse_url(url)
    return {
        "host": parsed.host or "localhost",
        "port": int(parsed.port or 3306),
        "user": parsed.username or "root",
        "password": parsed.password or "",
    }


# ------------------------------------------------------------------ server checks

_REQUIRED = {"log_bin": "ON", "binlog_format": "ROW", "binlog_row_image": "FULL", "binlog_row_metadata": "FULL"}
_HOW = {
    "log_bin": "start the server with --log-bin (and a --server-id)",
    "binlog_format": "SET GLOBAL binlog_format = 'ROW' (and in the server's configuration)",
    "binlog_row_image": "SET GLOBAL binlog_row_image = 'FULL' (and in the server's configuration)",
    "binlog_row_metadata": "SET GLOBAL binlog_row_metadata = 'FULL' (MySQL 8.0.1+, MariaDB 10.5+; and in the "
    "server's configuration)",
}


def check_server(engine: sa.Engine) -> list[str]:
    """What is missing for reading the binlog: one line per missing setting or privilege, empty when none."""
    problems: list[str] = []
    with engine.connect() as conn:
        names = ", ".join(f"'{n}'" for n in _REQUIRED)
        values = {
            str(k).lower(): str(v)
            for k, v in conn.execute(sa.text(f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({names})")).all()
        }
        for name, want in _REQUIRED.items():
            have = values.get(name)
            if have is None or have.upper() != want:
                problems.append(f"{name} is {have or 'not available'}, sync needs {want} ({_HOW[name]})")
        grants = " ".join(str(r[0]).upper() for r in conn.execute(sa.text("SHOW GRANTS")).all())
    on_all = re.search(r"GRANT ALL PRIVILEGES ON \*\.\* ", grants) is not None
    if not on_all:
        if "REPLICATION SLAVE" not in grants and "REPLICATION REPLICA" not in grants:
            problems.append("the user lacks REPLICATION SLAVE (GRANT REPLICATION SLAVE ON *.* TO the user)")
        if "REPLICATION CLIENT" not in grants and "BINLOG MONITOR" not in grants and "SUPER" not in grants:
            problems.append(
                "the user lacks REPLICATION CLIENT (MariaDB 10.5+: BINLOG MONITOR) to read the binlog position"
            )
    return problems


def require_server(engine: sa.Engine) -> None:
    """Raise ``PrerequisiteError`` (exit 5) naming every missing setting."""
    problems = check_server(engine)
    if problems:
        raise PrerequisiteError(
            "MySQL/MariaDB is not ready for change capture: " + "; ".join(problems),
            hint="fix the settings above and run again (nothing was recorded)",
        )


def master_position(conn: sa.Connection) -> dict[str, Any]:
    """The binlog file and position the server writes next."""
    row = conn.execute(sa.text("SHOW MASTER STATUS")).first()
    if row is None:
        raise PrerequisiteError("the server has no binlog (SHOW MASTER STATUS is empty)", hint=_HOW["log_bin"])
    return {"file": str(row[0]), "pos": int(row[1])}


# ------------------------------------------------------------------ consistent snapshot


class _SnapshotConnection(pymysql.connections.Connection):  # type: ignore[misc]
    """A connection whose snapshot transaction survives SQLAlchemy's commits and rollbacks until released."""

    holding = True

    def commit(self) -> None:
        if not self.holding:
            super().commit()

    def rollback(self) -> None:
        if not self.holding:
            super().rollback()


@dataclass
class MySnapshot:
    """An engine reading one consistent snapshot, and the binlog position of that snapshot."""

    engine: sa.Engine
    position: dict[str, Any]
    connection: Any = field(repr=False, default=None)

    def release(self) -> None:
        """End the snapshot transaction and close its connection."""
        if self.connection is not None:
            self.connection.holding = False
            try:
                self.connection.rollback()
            finally:
                self.engine.dispose()  # closes the pooled connection too
                if self.connection.open:
                    self.connection.close()
                self.connection = None


def open_snapshot(url: str, database: str) -> MySnapshot:
    """Start a consistent-snapshot transaction and read its binlog position (see the module docstring)."""
    kwargs = connect_kwargs(url)
    try:
        conn = _SnapshotConnection(database=database, charset="utf8mb4", **kwargs)
    except pymysql.err.MySQLError as exc:
        text = redact_text(str(exc), kwargs["password"])
        raise SourceConnectionError(f"cannot connect for the snapshot: {text}") from None
    with conn.cursor() as cur:
        cur.execute("SELECT VERSION()")
        mariadb = "mariadb" in str(cur.fetchone()[0]).lower()
        cur.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        if mariadb:
            cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            cur.execute("SHOW STATUS LIKE 'binlog_snapshot_%'")
            status = {str(k).lower(): str(v) for k, v in cur.fetchall()}
            position = {"file": status["binlog_snapshot_file"], "pos": int(status["binlog_snapshot_position"])}
        else:
            # MySQL has no snapshot status: hold every commit back while the snapshot starts.
            cur.execute("FLUSH TABLES WITH READ LOCK")
            try:
                cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
                cur.execute("SHOW MASTER STATUS")
                row = cur.fetchone()
                position = {"file": str(row[0]), "pos": int(row[1])}
            finally:
                cur.execute("UNLOCK TABLES")
    engine = sa.create_engine(
        parse_url(url).set(drivername="mysql+pymysql"), creator=lambda: conn, poolclass=StaticPool
    )
    return MySnapshot(engine, position, conn)


# ------------------------------------------------------------------ streaming


class MySqlCapture:
    """Reads committed transactions of the model's tables from the binlog, from a stored position."""

    def __init__(
        self,
        url: str,
        database: str,
        start: Mapping[str, Any],
        *,
        tables: Mapping[str, Sequence[str]],
        fixes: Mapping[str, Mapping[str, tuple[Any, ...]]] | None = None,
        engine: sa.Engine | None = None,
    ) -> None:
        """``tables`` maps each captured table to its primary-key columns; ``start`` is ``{"file", "pos"}``.

        ``fixes`` (:func:`column_fixes`) turns binlog values into the driver's.
        ``engine`` reads the server's binlog position for the lag.
        """
        self.database = database
        self.tables = {name: tuple(cols) for name, cols in tables.items()}
        self.fixes = {t: dict(c) for t, c in (fixes or {}).items()}
        self.engine = engine
        self._file = str(start["file"])
        self._pos = int(start["pos"])
        self._acked = (self._file, self._pos)
        self._buffer: list[Change] = []
        self._stream = BinLogStreamReader(
            connection_settings=connect_kwargs(url),
            server_id=random.randint(100_000, 2**31 - 1),
            log_file=self._file,
            log_pos=self._pos,
            resume_stream=True,
            blocking=False,
            only_events=[WriteRowsEvent, UpdateRowsEvent, DeleteRowsEvent, XidEvent, RotateEvent],
            only_schemas=[database],
            freeze_schema=True,
        )

    def poll(self, timeout: float, max_changes: int) -> list[Transaction]:
        """Committed transactions read within ``timeout`` seconds (stops at a commit once ``max_changes``)."""
        out: list[Transaction] = []
        count = 0
        deadline = first = time.monotonic() + timeout
        while count < max_changes:
            try:
                event = self._stream.fetchone()
            except pymysql.err.MySQLError as exc:
                raise SourceConnectionError(f"reading the binlog failed: {exc}") from None
            if event is None:
                now = time.monotonic()
                # A batch stays open LINGER_SECONDS after its first commit, so a steady trickle is
                # applied in parallel groups rather than one change at a time.
                if now >= deadline or (out and now >= first + LINGER_SECONDS):
                    break
                time.sleep(min(0.02 if out else 0.1, max(0.0, deadline - now)))
                continue
            if isinstance(event, RotateEvent):
                self._file = event.next_binlog
                self._pos = int(event.position)
                continue
            if isinstance(event, XidEvent):
                txn = self._commit(event)
                if not out:
                    first = time.monotonic()
                out.append(txn)
                count += len(txn.changes)
                continue
            self._rows(event)
        return out

    def _commit(self, event: Any) -> Transaction:
        self._file = str(self._stream.log_file)
        self._pos = int(event.packet.log_pos)
        when = float(event.timestamp)
        changes = []
        for seq, change in enumerate(self._buffer, start=1):
            changes.append(
                Change(
                    change.table,
                    change.op,
                    change.key,
                    change.row,
                    my_position(self._file, self._pos, seq),
                    change.before,
                    when,
                )
            )
        self._buffer = []
        position = changes[-1].position if changes else my_position(self._file, self._pos, 0)
        return Transaction(tuple(changes), {"file": self._file, "pos": self._pos}, position, when)

    def _rows(self, event: Any) -> None:
        table = str(event.table)
        key_cols = self.tables.get(table)
        if key_cols is None or str(event.schema) != self.database:
            return
        for row in event.rows:
            if isinstance(event, WriteRowsEvent):
                new = self._values(table, row["values"])
                key = {c: new[c] for c in key_cols}
                self._buffer.append(Change(table, "insert", key, new, ""))
            elif isinstance(event, UpdateRowsEvent):
                old = self._values(table, row["before_values"])
                new = self._values(table, row["after_values"])
                self._buffer.append(Change(table, "update", {c: old[c] for c in key_cols}, new, "", old))
            else:
                old = self._values(table, row["values"])
                self._buffer.append(Change(table, "delete", {c: old[c] for c in key_cols}, None, "", old))

    def _values(self, table: str, values: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(values)
        for column, fix in self.fixes.get(table, {}).items():
            if column in out:
                out[column] = _fixed(fix, out[column])
        return out

    def acknowledge(self, resume: Mapping[str, Any]) -> None:
        """Remember the applied position (the checkpoint in the control table is what a restart reads)."""
        self._acked = (str(resume["file"]), int(resume["pos"]))

    def end_position(self) -> dict[str, Any]:
        """Where the server's binlog ends now."""
        if self.engine is None:
            raise ValueError("end_position needs the engine")
        with self.engine.connect() as conn:
            return master_position(conn)

    def reached(self, target: Mapping[str, Any]) -> bool:
        """Whether the reader has read the binlog up to ``target`` with no transaction left open."""
        if self._buffer:
            return False
        here = (binlog_index(str(self._stream.log_file or self._file)), int(self._stream.log_pos or self._pos))
        return here >= (binlog_index(str(target["file"])), int(target["pos"]))

    def behind_bytes(self) -> int | None:
        """Binlog bytes between the last applied transaction and the server's end (same file only)."""
        if self.engine is None:
            return None
        end = self.end_position()
        if end["file"] != self._acked[0]:
            return None
        return max(0, int(end["pos"]) - self._acked[1])

    def describe(self, resume: Mapping[str, Any]) -> str:
        """A resume point as text."""
        return f"{resume['file']}:{resume['pos']}"

    def drain_notices(self) -> list[str]:
        """Messages about changes that could not be applied (none: statements are not read from the binlog)."""
        return []

    def close(self) -> None:
        """Close the binlog connection."""
        self._stream.close()


def column_fixes(engine: sa.Engine, database: str, tables: Sequence[str]) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Per table, the columns whose binlog values differ from what the driver returns, and how to fix them.

    ``("set", members)``: the binlog gives a Python set, the driver the
    members in definition order joined by commas; ``("uuid",)``: MariaDB's
    UUID type comes as its 16 bytes (trailing zero bytes cut), the driver
    gives the text form; ``("binary", n)``: ``BINARY(n)`` loses its trailing
    zero bytes in the binlog.
    """
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_OCTET_LENGTH "
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = :db AND DATA_TYPE IN ('set', 'uuid', 'binary')"
            ),
            {"db": database},
        ).all()
    for table, column, data_type, column_type, octets in rows:
        if table not in tables:
            continue
        kind = str(data_type).lower()
        if kind == "set":
            members = [m.replace("''", "'") for m in re.findall(r"'((?:[^']|'')*)'", str(column_type))]
            fix: tuple[Any, ...] = ("set", members)
        elif kind == "uuid":
            fix = ("uuid",)
        else:
            fix = ("binary", int(octets or 0))
        out.setdefault(str(table), {})[str(column)] = fix
    return out


def _fixed(fix: tuple[Any, ...], value: Any) -> Any:
    if fix[0] == "set" and isinstance(value, (set, frozenset)):
        return ",".join(m for m in fix[1] if m in value)
    if fix[0] == "uuid" and isinstance(value, (bytes, bytearray)):
        return str(uuid.UUID(bytes=bytes(value).ljust(16, b"\x00")))
    if fix[0] == "binary" and isinstance(value, (bytes, bytearray)):
        return bytes(value).ljust(fix[1], b"\x00")
    return value
