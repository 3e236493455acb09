"""AlgoItny (seeds 000/001): an algorithm-practice platform, as a generated source database.

The schema is SQLAlchemy metadata, so the same generator fills SQLite,
PostgreSQL or MariaDB.  Data is deterministic for a given ``users`` count and
seed; other tables scale with the number of users.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from importlib import resources
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()

subscription_plans = sa.Table(
    "subscription_plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(50), nullable=False, unique=True),
    sa.Column("max_hints_per_day", sa.Integer, nullable=False),
    sa.Column("max_executions_per_day", sa.Integer, nullable=False),
    sa.Column("price_usd", sa.Numeric(8, 2), nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False, default=True),
)
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("google_id", sa.String(64), unique=True),
    sa.Column("subscription_plan_id", sa.Integer, sa.ForeignKey("subscription_plans.id")),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
problems = sa.Table(
    "problems",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(20), nullable=False),
    sa.Column("problem_id", sa.String(50), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("language", sa.String(20)),
    sa.Column("is_completed", sa.Boolean, nullable=False),
    sa.Column("is_deleted", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("platform", "problem_id", name="uq_problems_platform_problem"),
    sa.Index("ix_problems_completed_created", "is_completed", "created_at"),
)
test_cases = sa.Table(
    "test_cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("problem_id", sa.Integer, sa.ForeignKey("problems.id"), nullable=False, index=True),
    sa.Column("input", sa.Text, nullable=False),
    sa.Column("output", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
search_history = sa.Table(
    "search_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), index=True),
    sa.Column("problem_id", sa.Integer, sa.ForeignKey("problems.id"), nullable=False),
    sa.Column("platform", sa.String(20), nullable=False),
    sa.Column("problem_title", sa.String(200), nullable=False),
    sa.Column("language", sa.String(20), nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("passed_count", sa.Integer, nullable=False),
    sa.Column("failed_count", sa.Integer, nullable=False),
    sa.Column("is_public", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_search_history_public_created", "is_public", "created_at"),
)
usage_logs = sa.Table(
    "usage_logs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("action", sa.Enum("hint", "execution", name="usage_action"), nullable=False),
    sa.Column("problem_id", sa.Integer, sa.ForeignKey("problems.id")),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_usage_logs_user_action_created", "user_id", "action", "created_at"),
)
script_generation_jobs = sa.Table(
    "script_generation_jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(20), nullable=False),
    sa.Column("problem_id", sa.String(50), nullable=False),
    sa.Column(
        "status", sa.Enum("pending", "running", "completed", "failed", name="job_status"), nullable=False
    ),
    sa.Column("celery_task_id", sa.String(64), unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

PLATFORMS = ("baekjoon", "codeforces", "leetcode", "atcoder")
LANGUAGES = ("python", "cpp", "java", "javascript")
EPOCH = dt.datetime(2025, 1, 1)

# The workload the seeds describe, as a query log (calls over one day).
QUERY_LOG = resources.files(__package__).joinpath("algoitny_queries.sql").read_text(encoding="utf-8")


def create_schema(engine: sa.Engine) -> None:
    """Create AlgoItny's tables (dropping old ones) in any supported database."""
    metadata.drop_all(engine)
    metadata.create_all(engine)


def generate(engine: sa.Engine, users_count: int = 200, seed: int = 7) -> dict[str, int]:
    """Create the schema and fill it with deterministic rows; returns rows per table."""
    rng = random.Random(seed)
    create_schema(engine)
    rows: dict[str, list[dict[str, Any]]] = {
        "subscription_plans": [
            {
                "id": 1,
                "name": "free",
                "max_hints_per_day": 5,
                "max_executions_per_day": 50,
                "price_usd": Decimal("0.00"),
                "is_active": True,
            },
            {
                "id": 2,
                "name": "pro",
                "max_hints_per_day": 100,
                "max_executions_per_day": 1000,
                "price_usd": Decimal("9.99"),
                "is_active": True,
            },
            {
                "id": 3,
                "name": "legacy",
                "max_hints_per_day": 20,
                "max_executions_per_day": 200,
                "price_usd": Decimal("4.99"),
                "is_active": False,
            },
        ]
    }
    rows["users"] = [
        {
            "id": i,
            "email": f"user{i}@example.com",
            "name": f"User {i}",
            "google_id": f"g-{i}" if rng.random() < 0.6 else None,
            "subscription_plan_id": rng.choice((1, 1, 1, 2, 3)),
            "is_active": rng.random() < 0.95,
            "created_at": EPOCH + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 60)),
        }
        for i in range(1, users_count + 1)
    ]
    n_problems = max(10, users_count // 2)
    rows["problems"] = [
        {
            "id": i,
            "platform": PLATFORMS[i % len(PLATFORMS)],
            "problem_id": str(1000 + i),
            "title": f"Problem {i}",
            "language": rng.choice(LANGUAGES),
            "is_completed": rng.random() < 0.8,
            "is_deleted": rng.random() < 0.02,
            "created_at": EPOCH + dt.timedelta(hours=i),
        }
        for i in range(1, n_problems + 1)
    ]
    rows["test_cases"] = [
        {
            "problem_id": p,
            "input": f"{p} {k}",
            "output": str(p + k),
            "created_at": EPOCH + dt.timedelta(hours=p, minutes=k),
        }
        for p in range(1, n_problems + 1)
        for k in range(rng.randint(1, 8))
    ]
    rows["search_history"] = [
        {
            "user_id": rng.randint(1, users_count) if rng.random() < 0.9 else None,
            "problem_id": (p := rng.randint(1, n_problems)),
            "platform": PLATFORMS[p % len(PLATFORMS)],
            "problem_title": f"Problem {p}",
            "language": rng.choice(LANGUAGES),
            "code": "print(input())" * rng.randint(1, 20),
            "passed_count": rng.randint(0, 8),
            "failed_count": rng.randint(0, 3),
            "is_public": rng.random() < 0.3,
            "created_at": EPOCH + dt.timedelta(seconds=rng.randint(0, 86400 * 60)),
        }
        for _ in range(users_count * 5)
    ]
    rows["usage_logs"] = [
        {
            "user_id": rng.randint(1, users_count),
            "action": rng.choice(("hint", "execution")),
            "problem_id": rng.randint(1, n_problems) if rng.random() < 0.9 else None,
            "created_at": EPOCH + dt.timedelta(seconds=rng.randint(0, 86400 * 60)),
        }
        for _ in range(users_count * 10)
    ]
    rows["script_generation_jobs"] = [
        {
            "platform": PLATFORMS[i % len(PLATFORMS)],
            "problem_id": str(1000 + i),
            "status": rng.choice(("pending", "running", "completed", "completed", "failed")),
            "celery_task_id": f"task-{i:06d}",
            "created_at": EPOCH + dt.timedelta(minutes=i),
        }
        for i in range(1, max(5, users_count // 4) + 1)
    ]
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
    return {name: len(r) for name, r in rows.items()}
