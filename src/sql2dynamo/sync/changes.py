"""One captured row change, and the source positions that order changes.

A position is fixed-width text whose string order is the commit order of the
source, so that DynamoDB can compare positions in a ``ConditionExpression``
(``_s2d_pos < :pos``) without knowing where they came from:

* PostgreSQL: ``pg:<16 hex digits of the commit LSN>:<6-digit sequence in the transaction>``;
* MySQL/MariaDB: ``my:<6-digit binlog file index>:<12-digit position of the transaction's end>:<6-digit seq>``;
* an application outbox: ``ob:<20-digit outbox id>``.

Positions of different sources are never compared with each other: one
target is fed by one source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "POSITION_ATTRIBUTE",
    "Change",
    "Op",
    "binlog_index",
    "lsn_from_text",
    "lsn_text",
    "my_position",
    "outbox_position",
    "parse_my_position",
    "parse_pg_position",
    "pg_position",
]

POSITION_ATTRIBUTE = "_s2d_pos"
"""The item attribute holding the position of the change that last wrote the item (``verify`` ignores it)."""

Op = Literal["insert", "update", "delete"]
_SEQ_MAX = 999_999


@dataclass(frozen=True)
class Change:
    """A committed insert, update or delete of one source row.

    ``key`` holds the primary-key values before the change (for an insert:
    the new key); ``row`` the whole row after it (``None`` for a delete).
    ``before`` is the whole row before the change when the source logs it
    (MySQL ``binlog_row_image=FULL``, PostgreSQL ``REPLICA IDENTITY FULL``);
    the applier needs it only for tables whose item keys use columns outside
    the primary key (unique lookup items, keys on other columns).
    """

    table: str
    op: Op
    key: Mapping[str, Any]
    row: Mapping[str, Any] | None
    position: str
    before: Mapping[str, Any] | None = field(default=None, compare=False)
    commit_time: float | None = field(default=None, compare=False)  # epoch seconds, for lag


def pg_position(lsn: int, seq: int = 0) -> str:
    """The position of the ``seq``-th change of the transaction that commits at ``lsn``."""
    return f"pg:{lsn:016X}:{min(seq, _SEQ_MAX):06d}"


def parse_pg_position(position: str) -> tuple[int, int]:
    """``(lsn, seq)`` of a :func:`pg_position`; ``ValueError`` for anything else."""
    kind, lsn, seq = position.split(":")
    if kind != "pg" or len(lsn) != 16 or len(seq) != 6:
        raise ValueError(f"not a PostgreSQL position: {position!r}")
    return int(lsn, 16), int(seq)


def lsn_text(lsn: int) -> str:
    """An LSN the way PostgreSQL writes it (``16/B374D848``)."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def lsn_from_text(text: str) -> int:
    """The integer of an LSN written ``16/B374D848``."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


def binlog_index(log_file: str) -> int:
    """The numeric suffix of a binlog file name (``mysql-bin.000042`` -> 42)."""
    suffix = log_file.rsplit(".", 1)[-1]
    if not suffix.isdigit():
        raise ValueError(f"not a binlog file name: {log_file!r}")
    return int(suffix)


def my_position(log_file: str, log_pos: int, seq: int = 0) -> str:
    """The position of the ``seq``-th row change of the transaction ending at ``log_file:log_pos``."""
    return f"my:{binlog_index(log_file):06d}:{log_pos:012d}:{min(seq, _SEQ_MAX):06d}"


def parse_my_position(position: str) -> tuple[int, int, int]:
    """``(file index, position, seq)`` of a :func:`my_position`."""
    kind, index, pos, seq = position.split(":")
    if kind != "my" or len(index) != 6 or len(pos) != 12 or len(seq) != 6:
        raise ValueError(f"not a MySQL position: {position!r}")
    return int(index), int(pos), int(seq)


def outbox_position(outbox_id: int) -> str:
    """The position of an outbox row."""
    return f"ob:{outbox_id:020d}"
