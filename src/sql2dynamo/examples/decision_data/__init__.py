"""Decision Data: users and their uploaded audio files, on RDS PostgreSQL (after its DynamoDB migration guide).

A FastAPI backend registers users (Argon2 password hash, a salt for deriving
encryption keys), logs them in by email, and keeps one record per audio file
uploaded to S3.  ``rows`` is the number of users; each has 0-8 audio files.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import uuid
from typing import Any

import sqlalchemy as sa

from sql2dynamo.examples.dataset import Example

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("key_salt", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
audio_files = sa.Table(
    "audio_files",
    metadata,
    sa.Column("file_id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.user_id"), nullable=False),
    sa.Column("s3_key", sa.String(1024), nullable=False),
    sa.Column("file_size", sa.BigInteger, nullable=False),
    sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_audio_files_user_uploaded", "user_id", "uploaded_at"),
)

EPOCH = dt.datetime(2025, 9, 24, tzinfo=dt.UTC)  # the day the migration guide's migration completed


def _b64(rng: random.Random, size: int) -> str:
    return base64.b64encode(rng.randbytes(size)).decode("ascii").rstrip("=")


def build_rows(rng: random.Random, rows: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of Decision Data's tables for ``rows`` users, by table (explicit ids)."""
    data: dict[str, list[dict[str, Any]]] = {"users": [], "audio_files": []}
    for i in range(1, rows + 1):
        user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        joined = EPOCH - dt.timedelta(seconds=rng.randint(0, 86400 * 120))
        # The shape of an Argon2id hash (not a real one): the columns' sizes are what matters.
        data["users"].append(
            {
                "user_id": user_id,
                "email": f"listener{i}@example.net",
                "password_hash": f"$argon2id$v=19$m=65536,t=3,p=4${_b64(rng, 16)}${_b64(rng, 32)}",
                "key_salt": base64.b64encode(rng.randbytes(16)).decode("ascii"),
                "created_at": joined,
            }
        )
        for _ in range(rng.randint(0, 8)):
            file_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            uploaded = joined + dt.timedelta(seconds=rng.randint(60, 86400 * 30))
            data["audio_files"].append(
                {
                    "file_id": file_id,
                    "user_id": user_id,
                    "s3_key": f"audio_upload/{user_id}/{uploaded:%Y%m%d_%H%M%S}_{file_id.hex[:8]}.opus",
                    "file_size": rng.randint(20_000, 40_000_000),
                    "uploaded_at": uploaded,
                }
            )
    return data


EXAMPLE = Example(
    name="decision_data",
    title="Decision Data",
    dialect="postgresql",
    metadata=metadata,
    build_rows=build_rows,
    package=__name__,
    rows_unit="users",
)
