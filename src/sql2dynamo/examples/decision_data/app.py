"""A small SQLAlchemy application over Decision Data's schema: users and their audio file records.

It is what the Decision Data team would run while cutting over: plain ORM
code (sessions, objects, one bulk ``delete()``), unaware of DynamoDB except
through two optional hooks that sql2dynamo's runtime provides:

* :func:`sql2dynamo.cutover.dualwrite.enable_dual_write` on its
  ``sessionmaker`` mirrors every committed change;
* a :class:`sql2dynamo.cutover.shadow.ShadowReader` given to
  :class:`DecisionDataApp` serves its reads (source first, DynamoDB shadowed
  or routed by share).

The endpoints are the migration guide's: register, login, get the user of a token, list
the user's audio files, create / get / delete an audio file record; plus
``change_email`` and ``rename_file`` (updates, which dual-write must follow).
:func:`run_workload` drives a deterministic random mix of them.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, registry, sessionmaker

from sql2dynamo.examples.decision_data import EPOCH, audio_files, metadata, users

if TYPE_CHECKING:
    from sql2dynamo.cutover.shadow import ShadowReader

__all__ = ["AudioFile", "DecisionDataApp", "User", "run_workload", "session_factory"]

Row = dict[str, Any]


class User:
    """A registered user (``users``)."""

    user_id: uuid.UUID
    email: str
    password_hash: str
    key_salt: str
    created_at: dt.datetime

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)


class AudioFile:
    """The record of one audio file uploaded to S3 (``audio_files``)."""

    file_id: uuid.UUID
    user_id: uuid.UUID
    s3_key: str
    file_size: int
    uploaded_at: dt.datetime

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            setattr(self, name, value)


_registry = registry(metadata=metadata)
_registry.map_imperatively(User, users)
_registry.map_imperatively(AudioFile, audio_files)


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    """The application's sessionmaker (creates the tables if they are missing)."""
    metadata.create_all(engine, checkfirst=True)
    return sessionmaker(bind=engine, expire_on_commit=False)


def _columns(obj: Any, table: sa.Table) -> Row:
    return {c.name: getattr(obj, c.name) for c in table.columns}


@dataclass
class DecisionDataApp:
    """The migration guide's endpoints over a sessionmaker; reads go through ``reader`` when one is given."""

    sessions: sessionmaker[Session]
    reader: ShadowReader | None = None

    # ------------------------------------------------------------ writes

    def register(self, email: str, password_hash: str, key_salt: str, now: dt.datetime) -> uuid.UUID:
        """AP01 + AP02: refuse a taken e-mail, create the user; returns the new user id."""
        with self.sessions.begin() as session:
            taken = session.execute(sa.select(users.c.user_id).where(users.c.email == email)).first()
            if taken is not None:
                raise ValueError(f"{email} is already registered")
            user = User(
                user_id=uuid.uuid4(), email=email, password_hash=password_hash, key_salt=key_salt, created_at=now
            )
            session.add(user)
        return user.user_id

    def create_audio_file(self, user_id: uuid.UUID, s3_key: str, file_size: int, now: dt.datetime) -> uuid.UUID:
        """AP06: record an upload."""
        with self.sessions.begin() as session:
            record = AudioFile(
                file_id=uuid.uuid4(), user_id=user_id, s3_key=s3_key, file_size=file_size, uploaded_at=now
            )
            session.add(record)
        return record.file_id

    def delete_audio_file(self, file_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """AP08: delete the caller's own record (a bulk ``delete()``, the guide's SQL); True if one was deleted."""
        with self.sessions.begin() as session:
            result = session.execute(
                sa.delete(AudioFile).where(audio_files.c.file_id == file_id, audio_files.c.user_id == user_id)
            )
            return bool(getattr(result, "rowcount", 0))

    def change_email(self, user_id: uuid.UUID, email: str) -> None:
        """Change a user's e-mail (its unique lookup item moves with it)."""
        with self.sessions.begin() as session:
            user = session.get(User, user_id)
            if user is None:
                raise KeyError(user_id)
            user.email = email

    def rename_file(self, file_id: uuid.UUID, s3_key: str, file_size: int) -> None:
        """Point a record at a re-encoded object (an ordinary update)."""
        with self.sessions.begin() as session:
            record = session.get(AudioFile, file_id)
            if record is None:
                raise KeyError(file_id)
            record.s3_key = s3_key
            record.file_size = file_size

    # ------------------------------------------------------------ reads

    def _read(self, pattern_id: str, params: Mapping[str, Any], source: Callable[[], list[Row]]) -> list[Row]:
        if self.reader is None:
            return source()
        return self.reader.read(pattern_id, params, source=source)

    def _key(self, column: sa.Column[Any], value: Any) -> Any:
        """A key value as the database stores it (the DynamoDB copy holds that form: SQLite keeps UUIDs as hex)."""
        dialect = self.sessions.kw["bind"].dialect
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        return process(value) if process is not None else value

    def login(self, email: str) -> Row | None:
        """AP03: the user by e-mail."""

        def source() -> list[Row]:
            with self.sessions() as session:
                found = session.scalars(sa.select(User).where(users.c.email == email)).all()
                return [_columns(u, users) for u in found]

        rows = self._read("AP03", {"email": email}, source)
        return rows[0] if rows else None

    def get_user(self, user_id: uuid.UUID) -> Row | None:
        """AP04: the user named by a token."""

        def source() -> list[Row]:
            with self.sessions() as session:
                user = session.get(User, user_id)
                return [] if user is None else [_columns(user, users)]

        rows = self._read("AP04", {"user_id": self._key(users.c.user_id, user_id)}, source)
        return rows[0] if rows else None

    def list_audio_files(self, user_id: uuid.UUID) -> list[Row]:
        """AP05: the user's records, newest first."""

        def source() -> list[Row]:
            with self.sessions() as session:
                query = sa.select(AudioFile).where(audio_files.c.user_id == user_id)
                found = session.scalars(query.order_by(audio_files.c.uploaded_at.desc())).all()
                return [_columns(f, audio_files) for f in found]

        return self._read("AP05", {"user_id": self._key(audio_files.c.user_id, user_id)}, source)

    def get_audio_file(self, file_id: uuid.UUID) -> Row | None:
        """AP07: one record."""

        def source() -> list[Row]:
            with self.sessions() as session:
                record = session.get(AudioFile, file_id)
                return [] if record is None else [_columns(record, audio_files)]

        rows = self._read("AP07", {"file_id": self._key(audio_files.c.file_id, file_id)}, source)
        return rows[0] if rows else None


def _b64(rng: random.Random, size: int) -> str:
    return base64.b64encode(rng.randbytes(size)).decode("ascii").rstrip("=")


def run_workload(app: DecisionDataApp, operations: int, *, seed: int = 11) -> Counter[str]:
    """A deterministic mix of the app's writes (and some reads); returns how many of each ran."""
    rng = random.Random(seed)
    done: Counter[str] = Counter()
    with app.sessions() as session:
        user_ids: list[uuid.UUID] = list(session.scalars(sa.select(users.c.user_id).order_by(users.c.email)))
        file_ids: list[tuple[uuid.UUID, uuid.UUID]] = [
            (r.file_id, r.user_id) for r in session.execute(sa.select(audio_files.c.file_id, audio_files.c.user_id))
        ]
    now = EPOCH
    for i in range(operations):
        now += dt.timedelta(seconds=rng.randint(1, 600))
        roll = rng.random()
        if roll < 0.2 or not user_ids:
            user_ids.append(app.register(f"w{seed}-{i}@example.org", f"$argon2id${_b64(rng, 24)}", _b64(rng, 16), now))
            done["register"] += 1
        elif roll < 0.55:
            owner = rng.choice(user_ids)
            file_id = app.create_audio_file(
                owner, f"audio_upload/{owner}/{i}.opus", rng.randint(20_000, 9_000_000), now
            )
            file_ids.append((file_id, owner))
            done["create_audio_file"] += 1
        elif roll < 0.7 and file_ids:
            file_id, owner = file_ids.pop(rng.randrange(len(file_ids)))
            done["delete_audio_file"] += app.delete_audio_file(file_id, owner)
        elif roll < 0.82 and file_ids:
            file_id, _ = rng.choice(file_ids)
            app.rename_file(file_id, f"audio_upload/re/{i}.opus", rng.randint(20_000, 9_000_000))
            done["rename_file"] += 1
        elif roll < 0.92:
            app.change_email(rng.choice(user_ids), f"moved{seed}-{i}@example.org")
            done["change_email"] += 1
        else:
            app.list_audio_files(rng.choice(user_ids))
            done["list_audio_files"] += 1
    return done


def all_keys(app: DecisionDataApp) -> tuple[Sequence[uuid.UUID], Sequence[uuid.UUID], Sequence[str]]:
    """Every user id, file id and e-mail, for reading everything back through the reader."""
    with app.sessions() as session:
        return (
            list(session.scalars(sa.select(users.c.user_id))),
            list(session.scalars(sa.select(audio_files.c.file_id))),
            list(session.scalars(sa.select(users.c.email))),
        )
