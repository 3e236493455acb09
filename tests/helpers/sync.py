"""The sync tests' replication slots on the PostgreSQL server: the ones left over, and their cleanup.

A slot left behind keeps WAL on the server forever, so every slot a test creates is named ``s2d_test_...``
(``slot_name`` in ``tests/sync/conftest.py``) and dropped with :func:`drop_slots` whatever happened.
Decision Data itself (the filled source, the model with its denormalized copy) is
:mod:`sql2dynamo.testing.sync_world`, which ``bench/sync_apply.py`` uses too.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

SLOT_PREFIX = "s2d_test_"
"""The start of every slot name these tests use."""


def drop_slots(pg_admin: sa.Engine, name: str) -> None:
    """Drop the slot ``name`` and any copy of it (``name`` + a suffix), ending the backends still using them."""
    with pg_admin.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT slot_name, active_pid FROM pg_replication_slots WHERE slot_name LIKE :s"),
            {"s": name + "%"},
        ).all()
        for slot, pid in rows:
            if pid is not None:
                conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                time.sleep(0.2)
            conn.execute(sa.text("SELECT pg_drop_replication_slot(:s)"), {"s": slot})


def leftover_slots(pg_admin: sa.Engine) -> list[str]:
    """Slots of these tests still on the server."""
    with pg_admin.connect() as conn:
        return [
            str(r[0])
            for r in conn.execute(
                sa.text("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE :p"), {"p": SLOT_PREFIX + "%"}
            )
        ]
