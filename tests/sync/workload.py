"""A concurrent insert/update/delete workload on Decision Data, one short transaction per operation.

Operations: new users, e-mail changes (the unique lookup item moves), salt changes, new audio files,
size changes, primary-key changes of audio files, files moving to another user (their copied e-mail
changes), file deletes and deletes of users without files.  Races between operations (a row deleted
meanwhile) are simply skipped: the database decides what happened, the log records it.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import uuid
from collections import Counter
from typing import Any

import sqlalchemy as sa

from sql2dynamo.examples.decision_data import audio_files, users

EPOCH = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)


class Workload(threading.Thread):
    """Runs random operations against ``url`` until :meth:`stop` (or ``limit`` operations)."""

    def __init__(self, url: str, seed: int = 1, limit: int | None = None, pause: float = 0.0, per_txn: int = 1) -> None:
        """``limit`` operations in all, ``per_txn`` of them per transaction (a large window commits faster)."""
        super().__init__(daemon=True, name="s2d-workload")
        self.per_txn = per_txn
        self.engine = sa.create_engine(url)
        self.rng = random.Random(seed)
        self.limit = limit
        self.pause = pause
        self.done: Counter[str] = Counter()
        self.errors: list[str] = []
        self._halt = threading.Event()

    def stop(self) -> None:
        """Stop after the running operation and wait for the thread."""
        self._halt.set()
        self.join(timeout=60)
        self.engine.dispose()

    def run(self) -> None:
        ops = [
            self.new_user,
            self.new_email,
            self.new_salt,
            self.new_file,
            self.new_file,
            self.resize,
            self.rekey_file,
            self.move_file,
            self.delete_file,
            self.delete_user,
        ]
        n = 0
        while not self._halt.is_set() and (self.limit is None or n < self.limit):
            chosen = [self.rng.choice(ops) for _ in range(min(self.per_txn, (self.limit or n + self.per_txn) - n))]
            done = Counter[str]()
            try:
                with self.engine.begin() as conn:
                    for op in chosen:
                        if op(conn):
                            done[op.__name__] += 1
                self.done.update(done)
            except sa.exc.IntegrityError:
                self.done["conflicts"] += 1
            except Exception as exc:
                self.errors.append(f"{[op.__name__ for op in chosen]}: {exc}")
            n += len(chosen)
            if self.pause:
                self._halt.wait(self.pause)

    # -------------------------------------------------------------- operations (True: a row changed)

    def _some(
        self, conn: sa.Connection, table: sa.Table, where: sa.ColumnElement[bool] | None = None
    ) -> sa.Row[Any] | None:
        query = sa.select(table)
        if where is not None:
            query = query.where(where)
        rows = conn.execute(query.order_by(table.primary_key.columns.values()[0]).limit(50)).all()
        return self.rng.choice(rows) if rows else None

    def new_user(self, conn: sa.Connection) -> bool:
        uid = uuid.uuid4()
        conn.execute(
            users.insert().values(
                user_id=uid,
                email=f"new-{uid.hex[:12]}@example.org",
                password_hash="$argon2id$v=19$m=65536,t=3,p=4$x$y",
                key_salt=uid.hex,
                created_at=EPOCH,
            )
        )
        return True

    def new_email(self, conn: sa.Connection) -> bool:
        row = self._some(conn, users)
        if row is None:
            return False
        email = f"moved-{uuid.uuid4().hex[:12]}@example.org"
        return bool(conn.execute(users.update().where(users.c.user_id == row.user_id).values(email=email)).rowcount)

    def new_salt(self, conn: sa.Connection) -> bool:
        row = self._some(conn, users)
        if row is None:
            return False
        salt = uuid.uuid4().hex
        return bool(conn.execute(users.update().where(users.c.user_id == row.user_id).values(key_salt=salt)).rowcount)

    def new_file(self, conn: sa.Connection) -> bool:
        owner = self._some(conn, users)
        if owner is None:
            return False
        fid = uuid.uuid4()
        conn.execute(
            audio_files.insert().values(
                file_id=fid,
                user_id=owner.user_id,
                s3_key=f"audio_upload/{fid.hex}.opus",
                file_size=self.rng.randint(1000, 10**7),
                uploaded_at=EPOCH + dt.timedelta(seconds=self.rng.randint(0, 10**6)),
            )
        )
        return True

    def resize(self, conn: sa.Connection) -> bool:
        row = self._some(conn, audio_files)
        if row is None:
            return False
        size = self.rng.randint(1000, 10**7)
        stmt = audio_files.update().where(audio_files.c.file_id == row.file_id).values(file_size=size)
        return bool(conn.execute(stmt).rowcount)

    def rekey_file(self, conn: sa.Connection) -> bool:
        row = self._some(conn, audio_files)
        if row is None:
            return False
        stmt = audio_files.update().where(audio_files.c.file_id == row.file_id).values(file_id=uuid.uuid4())
        return bool(conn.execute(stmt).rowcount)

    def move_file(self, conn: sa.Connection) -> bool:
        row, owner = self._some(conn, audio_files), self._some(conn, users)
        if row is None or owner is None:
            return False
        stmt = audio_files.update().where(audio_files.c.file_id == row.file_id).values(user_id=owner.user_id)
        return bool(conn.execute(stmt).rowcount)

    def delete_file(self, conn: sa.Connection) -> bool:
        row = self._some(conn, audio_files)
        if row is None:
            return False
        return bool(conn.execute(audio_files.delete().where(audio_files.c.file_id == row.file_id)).rowcount)

    def delete_user(self, conn: sa.Connection) -> bool:
        lonely = ~sa.exists().where(audio_files.c.user_id == users.c.user_id)
        row = self._some(conn, users, lonely)
        if row is None:
            return False
        return bool(conn.execute(users.delete().where(users.c.user_id == row.user_id)).rowcount)
