"""What ``bench/sync_apply.py`` runs on besides Decision Data itself: a fresh source database and a paced change load.

The filled source and the model (``fill``, ``decision_model``) are :mod:`sql2dynamo.testing.sync_world`,
shared with the sync tests; the benchmark imports nothing from ``tests/`` (the tests keep their own racing
workload in ``tests/sync/workload.py``).

* :func:`fresh_database`: a new PostgreSQL or MariaDB database on 127.0.0.1, dropped at the end;
* :class:`ChangeLoad`: commits inserts, updates (the unique e-mail moves, primary keys change, files
  move between users) and deletes on rows chosen at random among all of them, either as fast as it can
  (a backlog) or paced at a number of row changes per second.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from sql2dynamo.examples.decision_data import audio_files, users

__all__ = ["ADMIN_URLS", "ChangeLoad", "fresh_database"]

ADMIN_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/mysql",
}
_CREATE = {"postgresql": 'CREATE DATABASE "{name}"', "mariadb": "CREATE DATABASE `{name}` CHARACTER SET utf8mb4"}
_DROP = {"postgresql": 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', "mariadb": "DROP DATABASE IF EXISTS `{name}`"}

EPOCH = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)


@contextlib.contextmanager
def fresh_database(kind: str, name: str) -> Iterator[str]:
    """A new database on the ``kind`` server (``postgresql`` or ``mariadb``); its URL.  Dropped at the end."""
    admin = sa.create_engine(ADMIN_URLS[kind], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(_DROP[kind].format(name=name)))
            conn.execute(sa.text(_CREATE[kind].format(name=name)))
        yield sa.make_url(ADMIN_URLS[kind]).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(_DROP[kind].format(name=name)))
        admin.dispose()


class ChangeLoad:
    """Row changes on Decision Data from ``threads`` threads, each transaction ``per_txn`` operations.

    ``rate`` (row changes per second, all threads together) paces the commits; ``None`` commits as fast
    as the database takes them.  The keys of all rows are kept in memory (this is the only writer besides
    the bench's markers), so every operation picks among all rows, not a hot few.  ``changes`` counts the
    row changes committed.
    """

    def __init__(self, url: str, *, seed: int, threads: int = 2, per_txn: int = 5, rate: float | None = None) -> None:
        self.engine = sa.create_engine(url, pool_size=threads + 1)
        self.rng = random.Random(seed)
        self.threads = threads
        self.per_txn = per_txn
        self.rate = rate
        self.changes = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._halt = threading.Event()
        with self.engine.connect() as conn:
            self._users = [r[0] for r in conn.execute(sa.select(users.c.user_id))]
            self._files = [r[0] for r in conn.execute(sa.select(audio_files.c.file_id))]
        self._lonely: list[Any] = []  # users this load created, without files: the ones it may delete
        self._workers: list[threading.Thread] = []

    def run(self, limit: int | None = None, seconds: float | None = None) -> float:
        """Commit until ``limit`` changes or ``seconds`` passed (or :meth:`stop`); returns the seconds it took."""
        started = time.monotonic()
        self.start(limit, seconds)
        self.join()
        return time.monotonic() - started

    def start(self, limit: int | None = None, seconds: float | None = None) -> None:
        """Start the threads (see :meth:`run`)."""
        deadline = time.monotonic() + seconds if seconds is not None else None
        for n in range(self.threads):
            rng = random.Random(self.rng.random())
            t = threading.Thread(target=self._loop, args=(rng, limit, deadline), name=f"load-{n}", daemon=True)
            self._workers.append(t)
            t.start()

    def stop(self) -> None:
        """Stop after the running transactions."""
        self._halt.set()
        self.join()

    def join(self) -> None:
        """Wait for the threads, then release the connections."""
        for t in self._workers:
            t.join()
        self._workers = []
        self.engine.dispose()

    def _loop(self, rng: random.Random, limit: int | None, deadline: float | None) -> None:
        ops: list[Callable[[sa.Connection, random.Random], int]] = [
            self._new_user,
            self._new_email,
            self._new_salt,
            self._new_file,
            self._new_file,
            self._resize,
            self._resize,
            self._rekey_file,
            self._move_file,
            self._delete_file,
            self._delete_user,
        ]
        interval = self.per_txn * self.threads / self.rate if self.rate else 0.0
        next_at = time.monotonic()
        while not self._halt.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return
            if limit is not None and self.changes >= limit:
                return
            done = 0
            try:
                with self.engine.begin() as conn:
                    for _ in range(self.per_txn):
                        done += rng.choice(ops)(conn, rng)
            except sa.exc.IntegrityError:
                done = 0  # a race between two threads on one row: the database refused, nothing committed
            except Exception as exc:
                self.errors.append(str(exc).splitlines()[0])
                done = 0
            with self._lock:
                self.changes += done
            if interval:
                next_at += interval
                pause = next_at - time.monotonic()
                if pause > 0:
                    self._halt.wait(pause)
                else:
                    next_at = time.monotonic()  # behind: do not burst to catch up

    # -------------------------------------------------------------- operations (row changes made)

    def _pick(self, rows: list[Any], rng: random.Random) -> Any:
        with self._lock:
            return rows[rng.randrange(len(rows))] if rows else None

    def _new_user(self, conn: sa.Connection, rng: random.Random) -> int:
        uid = uuid.UUID(int=rng.getrandbits(128), version=4)
        conn.execute(
            users.insert().values(
                user_id=uid,
                email=f"new-{uid.hex[:16]}@example.org",
                password_hash="$argon2id$v=19$m=65536,t=3,p=4$x$y",
                key_salt=uid.hex,
                created_at=EPOCH,
            )
        )
        with self._lock:
            self._users.append(uid)
            self._lonely.append(uid)
        return 1

    def _new_email(self, conn: sa.Connection, rng: random.Random) -> int:
        uid = self._pick(self._users, rng)
        email = f"moved-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}@example.org"
        return conn.execute(users.update().where(users.c.user_id == uid).values(email=email)).rowcount

    def _new_salt(self, conn: sa.Connection, rng: random.Random) -> int:
        uid = self._pick(self._users, rng)
        salt = uuid.UUID(int=rng.getrandbits(128)).hex
        return conn.execute(users.update().where(users.c.user_id == uid).values(key_salt=salt)).rowcount

    def _new_file(self, conn: sa.Connection, rng: random.Random) -> int:
        owner = self._pick(self._users, rng)
        with self._lock:
            if owner in self._lonely:
                self._lonely.remove(owner)
        fid = uuid.UUID(int=rng.getrandbits(128), version=4)
        conn.execute(
            audio_files.insert().values(
                file_id=fid,
                user_id=owner,
                s3_key=f"audio_upload/{fid.hex}.opus",
                file_size=rng.randint(1000, 10**7),
                uploaded_at=EPOCH + dt.timedelta(seconds=rng.randint(0, 10**6)),
            )
        )
        with self._lock:
            self._files.append(fid)
        return 1

    def _resize(self, conn: sa.Connection, rng: random.Random) -> int:
        fid = self._pick(self._files, rng)
        stmt = audio_files.update().where(audio_files.c.file_id == fid).values(file_size=rng.randint(1000, 10**7))
        return conn.execute(stmt).rowcount

    def _rekey_file(self, conn: sa.Connection, rng: random.Random) -> int:
        old = self._pick(self._files, rng)
        new = uuid.UUID(int=rng.getrandbits(128), version=4)
        done = conn.execute(audio_files.update().where(audio_files.c.file_id == old).values(file_id=new)).rowcount
        if done:
            with self._lock:
                self._files.append(new)
                with contextlib.suppress(ValueError):
                    self._files.remove(old)
        return done

    def _move_file(self, conn: sa.Connection, rng: random.Random) -> int:
        fid, owner = self._pick(self._files, rng), self._pick(self._users, rng)
        with self._lock:
            if owner in self._lonely:
                self._lonely.remove(owner)
        return conn.execute(audio_files.update().where(audio_files.c.file_id == fid).values(user_id=owner)).rowcount

    def _delete_file(self, conn: sa.Connection, rng: random.Random) -> int:
        fid = self._pick(self._files, rng)
        done = conn.execute(audio_files.delete().where(audio_files.c.file_id == fid)).rowcount
        if done:
            with self._lock, contextlib.suppress(ValueError):
                self._files.remove(fid)
        return done

    def _delete_user(self, conn: sa.Connection, rng: random.Random) -> int:
        with self._lock:
            if not self._lonely:
                return 0
            uid = self._lonely.pop(rng.randrange(len(self._lonely)))
        no_files = ~sa.exists().where(audio_files.c.user_id == uid)
        done = conn.execute(users.delete().where(users.c.user_id == uid, no_files)).rowcount
        if done:
            with self._lock, contextlib.suppress(ValueError):
                self._users.remove(uid)
        return done
