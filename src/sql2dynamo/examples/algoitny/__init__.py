"""AlgoItny: a Django/MySQL algorithm-practice platform, from its team's design guide and implementation summary.

Users (signed in by email or Google) on subscription plans run code against
problems' test cases; every hint or execution is logged in ``usage_logs`` and
counted per user per day for rate limiting, executions land in
``search_history`` (a public timeline shows the public ones), and Celery jobs
generate test scripts for new problems.  ``rows`` is the number of users.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from sql2dynamo.examples.dataset import Example

metadata = sa.MetaData()

subscription_plans = sa.Table(
    "subscription_plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(50), nullable=False, unique=True),
    sa.Column("description", sa.String(255), nullable=False),
    sa.Column("max_hints_per_day", sa.Integer, nullable=False),
    sa.Column("max_executions_per_day", sa.Integer, nullable=False),
    sa.Column("price_usd", sa.Numeric(8, 2), nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("picture", sa.String(500)),
    sa.Column("google_id", sa.String(64), unique=True),
    sa.Column("subscription_plan_id", sa.Integer, sa.ForeignKey("subscription_plans.id")),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_users_plan_created", "subscription_plan_id", "created_at"),
)
problems = sa.Table(
    "problems",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(20), nullable=False),
    sa.Column("problem_id", sa.String(50), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("problem_url", sa.String(500)),
    sa.Column("tags", sa.Text),
    sa.Column("language", sa.String(20)),
    sa.Column("solution_code", sa.Text),
    sa.Column("is_completed", sa.Boolean, nullable=False),
    sa.Column("is_deleted", sa.Boolean, nullable=False),
    sa.Column("deleted_at", sa.DateTime),
    sa.Column("deleted_reason", sa.String(255)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("platform", "problem_id", name="uq_problems_platform_problem"),
    sa.Index("ix_problems_completed_created", "is_completed", "created_at"),
    sa.Index("ix_problems_platform_created", "platform", "created_at"),
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
    # Anonymous runs are kept too: no user, only an identifier.
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
    sa.Column("user_identifier", sa.String(254), nullable=False),
    sa.Column("problem_id", sa.Integer, sa.ForeignKey("problems.id"), nullable=False, index=True),
    # Copied from the problem so the timeline needs no join and keeps what the user saw.
    sa.Column("platform", sa.String(20), nullable=False),
    sa.Column("problem_number", sa.String(50), nullable=False),
    sa.Column("problem_title", sa.String(200), nullable=False),
    sa.Column("language", sa.String(20), nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("passed_count", sa.Integer, nullable=False),
    sa.Column("failed_count", sa.Integer, nullable=False),
    sa.Column("total_count", sa.Integer, nullable=False),
    sa.Column("is_public", sa.Boolean, nullable=False),
    sa.Column("hints", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_search_history_user_created", "user_id", "created_at"),
    sa.Index("ix_search_history_public_created", "is_public", "created_at"),
    sa.Index("ix_search_history_public_language_created", "is_public", "language", "created_at"),
)
usage_logs = sa.Table(
    "usage_logs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("action", sa.Enum("hint", "execution", name="usage_action"), nullable=False),
    sa.Column("problem_id", sa.Integer, sa.ForeignKey("problems.id"), index=True),
    sa.Column("details", sa.String(255)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_usage_logs_user_action_created", "user_id", "action", "created_at"),
    # The 90-day retention purge deletes by age alone.
    sa.Index("ix_usage_logs_created", "created_at"),
)
script_generation_jobs = sa.Table(
    "script_generation_jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("platform", sa.String(20), nullable=False),
    sa.Column("problem_id", sa.String(50), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("problem_url", sa.String(500)),
    sa.Column("language", sa.String(20), nullable=False),
    sa.Column("job_type", sa.Enum("script_generation", "problem_extraction", name="job_type"), nullable=False),
    sa.Column("status", sa.Enum("pending", "running", "completed", "failed", name="job_status"), nullable=False),
    sa.Column("celery_task_id", sa.String(64), unique=True),
    sa.Column("generator_code", sa.Text),
    sa.Column("error_message", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_jobs_status_created", "status", "created_at"),
    sa.Index("ix_jobs_type_created", "job_type", "created_at"),
)

PLATFORMS = ("baekjoon", "codeforces", "leetcode", "atcoder")
LANGUAGES = ("python", "cpp", "java", "javascript")
TAGS = ("dp", "graph", "greedy", "math", "string", "tree", "sorting", "implementation")
EPOCH = dt.datetime(2025, 1, 1)
DAYS = 60  # generated activity spans the 60 days after EPOCH


def _at(rng: random.Random) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=rng.randint(0, 86400 * DAYS - 1))


def _plans() -> list[dict[str, Any]]:
    plans = (
        ("free", "Five hints a day", 5, 50, "0.00", True),
        ("pro", "For daily practice", 100, 1000, "9.99", True),
        ("legacy", "Retired plan, kept for old subscribers", 20, 200, "4.99", False),
    )
    return [
        {
            "id": i,
            "name": name,
            "description": text,
            "max_hints_per_day": hints,
            "max_executions_per_day": runs,
            "price_usd": Decimal(price),
            "is_active": active,
            "created_at": EPOCH,
        }
        for i, (name, text, hints, runs, price, active) in enumerate(plans, start=1)
    ]


def build_rows(rng: random.Random, rows: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of AlgoItny's tables for ``rows`` users, by table (explicit ids)."""
    data: dict[str, list[dict[str, Any]]] = {"subscription_plans": _plans()}
    data["users"] = []
    for i in range(1, rows + 1):
        joined = _at(rng)
        data["users"].append(
            {
                "id": i,
                "email": f"user{i}@example.com",
                "name": f"User {i}",
                "picture": f"https://img.example.com/u/{i}.png" if rng.random() < 0.5 else None,
                "google_id": f"g-{100000 + i}" if rng.random() < 0.6 else None,
                "subscription_plan_id": rng.choice((1, 1, 1, 2, 3)),
                "is_active": rng.random() < 0.95,
                "created_at": joined,
                "updated_at": joined + dt.timedelta(days=rng.randint(0, 5)),
            }
        )
    n_problems = max(10, rows // 2)
    data["problems"] = []
    for i in range(1, n_problems + 1):
        deleted = rng.random() < 0.03
        created = EPOCH + dt.timedelta(hours=i)
        data["problems"].append(
            {
                "id": i,
                "platform": PLATFORMS[i % len(PLATFORMS)],
                "problem_id": str(1000 + i),
                "title": f"Problem {i}: {rng.choice(TAGS)} {rng.choice(('sum', 'path', 'tree', 'query'))}",
                "problem_url": f"https://{PLATFORMS[i % len(PLATFORMS)]}.example.com/problem/{1000 + i}",
                "tags": ",".join(sorted(rng.sample(TAGS, rng.randint(1, 3)))),
                "language": rng.choice(LANGUAGES),
                "solution_code": "print(sum(map(int, input().split())))" if rng.random() < 0.7 else None,
                "is_completed": rng.random() < 0.8,
                "is_deleted": deleted,
                "deleted_at": created + dt.timedelta(days=3) if deleted else None,
                "deleted_reason": "duplicate" if deleted else None,
                "created_at": created,
                "updated_at": created + dt.timedelta(minutes=rng.randint(0, 600)),
            }
        )
    data["test_cases"] = [
        {
            "id": n,
            "problem_id": p,
            "input": f"{p} {k}",
            "output": str(p + k),
            "created_at": EPOCH + dt.timedelta(hours=p, minutes=k),
        }
        for n, (p, k) in enumerate(
            ((p, k) for p in range(1, n_problems + 1) for k in range(rng.randint(1, 8))), start=1
        )
    ]
    data["search_history"] = []
    for i in range(1, rows * 5 + 1):
        user = rng.randint(1, rows) if rng.random() < 0.9 else None
        p = rng.randint(1, n_problems)
        passed, failed = rng.randint(0, 8), rng.randint(0, 3)
        data["search_history"].append(
            {
                "id": i,
                "user_id": user,
                "user_identifier": f"user{user}@example.com" if user else f"anon-{rng.randint(1, 999)}",
                "problem_id": p,
                "platform": PLATFORMS[p % len(PLATFORMS)],
                "problem_number": str(1000 + p),
                "problem_title": data["problems"][p - 1]["title"],
                "language": rng.choice(LANGUAGES),
                "code": "print(input())\n" * rng.randint(1, 20),
                "passed_count": passed,
                "failed_count": failed,
                "total_count": passed + failed,
                "is_public": rng.random() < 0.3,
                "hints": "Try a prefix sum." if rng.random() < 0.2 else None,
                "created_at": _at(rng),
            }
        )
    data["usage_logs"] = [
        {
            "id": i,
            "user_id": rng.randint(1, rows),
            "action": rng.choice(("hint", "execution")),
            "problem_id": rng.randint(1, n_problems) if rng.random() < 0.9 else None,
            "details": f"history:{rng.randint(1, rows * 5)}" if rng.random() < 0.5 else None,
            "created_at": _at(rng),
        }
        for i in range(1, rows * 10 + 1)
    ]
    data["script_generation_jobs"] = []
    for i in range(1, max(5, rows // 4) + 1):
        status = rng.choice(("pending", "running", "completed", "completed", "failed"))
        created = EPOCH + dt.timedelta(minutes=7 * i)
        data["script_generation_jobs"].append(
            {
                "id": i,
                "platform": PLATFORMS[i % len(PLATFORMS)],
                "problem_id": str(1000 + i),
                "title": f"Problem {i}",
                "problem_url": f"https://{PLATFORMS[i % len(PLATFORMS)]}.example.com/problem/{1000 + i}",
                "language": rng.choice(LANGUAGES),
                "job_type": "script_generation" if rng.random() < 0.8 else "problem_extraction",
                "status": status,
                "celery_task_id": None if status == "pending" else str(uuid.UUID(int=rng.getrandbits(128))),
                "generator_code": "def generate():\n    return '1 2'\n" if status == "completed" else None,
                "error_message": "timeout after 60 s" if status == "failed" else None,
                "created_at": created,
                "updated_at": created + dt.timedelta(seconds=rng.randint(0, 900)),
            }
        )
    return data


EXAMPLE = Example(
    name="algoitny",
    title="AlgoItny",
    dialect="mysql",
    metadata=metadata,
    build_rows=build_rows,
    package=__name__,
    rows_unit="users",
    has_query_log=True,
)
