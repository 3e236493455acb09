"""Hustle Hub: a directory of side hustles on Supabase/PostgreSQL, moving to Cognito (after its DynamoDB design guide).

Visitors browse published listings by category; signed-in users (identified
by their Cognito ``sub`` after the move) save favourites; admins edit
categories and listings.  A renamed listing keeps its old slugs in
``listing_slug_history`` so old links still resolve (the design guide's SlugMapping).
The design guide sizes it at about 100k users and a few hundred listings: ``rows``
is the number of users, listings are one per hundred users (at least 8).
"""

from __future__ import annotations

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
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("cognito_sub", sa.String(64), nullable=False, unique=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100)),
    sa.Column("is_admin", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("sort_order", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
listings = sa.Table(
    "listings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("category_id", sa.Integer, sa.ForeignKey("categories.id"), nullable=False),
    sa.Column("slug", sa.String(120), nullable=False, unique=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("location", sa.String(100), nullable=False),
    # Comma-separated: the app filters skills client-side, never in SQL.
    sa.Column("skills", sa.Text, nullable=False),
    sa.Column("income_potential", sa.String(50), nullable=False),
    sa.Column("is_published", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_listings_category_created", "category_id", "created_at"),
)
favourites = sa.Table(
    "favourites",
    metadata,
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id"), primary_key=True, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
listing_slug_history = sa.Table(
    "listing_slug_history",
    metadata,
    sa.Column("old_slug", sa.String(120), primary_key=True),
    sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

CATEGORIES = (
    ("freelancing", "Freelancing"),
    ("online-selling", "Online selling"),
    ("content-creation", "Content creation"),
    ("tutoring", "Tutoring"),
    ("local-services", "Local services"),
    ("gig-economy", "Gig economy"),
    ("investing", "Investing"),
    ("crafts", "Crafts"),
)
HUSTLES = ("writing", "design", "reselling", "dog walking", "video editing", "coaching", "delivery")
LOCATIONS = ("Remote", "London", "Manchester", "Sydney", "Toronto", "Anywhere")
SKILLS = ("writing", "photography", "sales", "coding", "driving", "teaching", "social media", "crafting")
INCOME = ("< $500/month", "$500-$2,000/month", "$2,000-$5,000/month", "$5,000+/month")
EPOCH = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def build_rows(rng: random.Random, rows: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of Hustle Hub's tables for ``rows`` users, by table (explicit ids)."""
    data: dict[str, list[dict[str, Any]]] = {"users": []}
    for i in range(1, rows + 1):
        joined = EPOCH + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 200))
        data["users"].append(
            {
                "id": _uuid(rng),
                "cognito_sub": str(_uuid(rng)),
                "email": f"member{i}@example.org",
                "display_name": f"Member {i}" if rng.random() < 0.7 else None,
                "is_admin": i == 1 or rng.random() < 0.005,
                "created_at": joined,
                "updated_at": joined + dt.timedelta(days=rng.randint(0, 30)),
            }
        )
    data["categories"] = [
        {
            "id": i,
            "slug": slug,
            "name": name,
            "description": f"Side hustles in {name.lower()}." if i % 3 else None,
            "sort_order": 10 * i,
            "created_at": EPOCH,
            "updated_at": EPOCH,
        }
        for i, (slug, name) in enumerate(CATEGORIES, start=1)
    ]
    data["listings"] = []
    data["listing_slug_history"] = []
    for i in range(1, max(8, rows // 100) + 1):
        hustle = rng.choice(HUSTLES)
        slug = f"{hustle.replace(' ', '-')}-{i}"
        created = EPOCH + dt.timedelta(hours=6 * i)
        data["listings"].append(
            {
                "id": i,
                "category_id": rng.randint(1, len(CATEGORIES)),
                "slug": slug,
                "title": f"{hustle.capitalize()} side hustle #{i}",
                "description": f"How to earn from {hustle}: what you need, where to start. " * 3,
                "location": rng.choice(LOCATIONS),
                "skills": ", ".join(sorted(rng.sample(SKILLS, rng.randint(1, 3)))),
                "income_potential": rng.choice(INCOME),
                "is_published": rng.random() < 0.9,
                "created_at": created,
                "updated_at": created + dt.timedelta(days=rng.randint(0, 20)),
            }
        )
        if rng.random() < 0.2:
            data["listing_slug_history"].append(
                {"old_slug": f"{slug}-old", "listing_id": i, "created_at": created + dt.timedelta(days=1)}
            )
    n_listings = len(data["listings"])
    data["favourites"] = [
        {
            "user_id": user["id"],
            "listing_id": listing,
            "created_at": user["created_at"] + dt.timedelta(hours=rng.randint(1, 2000)),
        }
        for user in data["users"]
        for listing in sorted(rng.sample(range(1, n_listings + 1), rng.randint(0, 4)))
    ]
    return data


EXAMPLE = Example(
    name="hustle_hub",
    title="Hustle Hub",
    dialect="postgresql",
    metadata=metadata,
    build_rows=build_rows,
    package=__name__,
    rows_unit="users",
)
