"""A small shop (issue 20): the SQL real applications run, as test data for design, runtime and validate.

Users sell products in categories (a tree by ``parent_id``) and keep a cart
(``cart_items``, one row per user and product).  The patterns in
``access_patterns.yaml`` are those the issue names: upserts, joins to two
parents, aggregates over a cart, OFFSET paging, a breadcrumb by recursive
CTE, cross-table conditions, and the writes whose cost was mis-stated.
``{upsert}`` in the file is the source's own upsert syntax, filled by
:func:`patterns_text`.
"""

from __future__ import annotations

import random
from importlib import resources
from typing import Any

import sqlalchemy as sa

from sql2dynamo.examples.dataset import insert_rows, recreate

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(120), nullable=False),
    sa.Column("name", sa.String(80), nullable=False),
)
categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("categories.id"), index=True),
    sa.Column("name", sa.String(80), nullable=False),
)
products = sa.Table(
    "products",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("category_id", sa.Integer, sa.ForeignKey("categories.id"), nullable=False, index=True),
    sa.Column("seller_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("price", sa.Integer, nullable=False),
    sa.Column("inventory_quantity", sa.Integer, nullable=False),
)
cart_items = sa.Table(
    "cart_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), nullable=False, index=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("price", sa.Integer, nullable=False),
    sa.UniqueConstraint("user_id", "product_id", name="uq_cart_user_product"),
)

UPSERT = {
    "mysql": "ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity)",
    "postgresql": "ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity",
    "sqlite": "ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = cart_items.quantity + excluded.quantity",
}


def patterns_text(dialect: str, *, copies: bool = True) -> str:
    """``access_patterns.yaml`` for a source of ``dialect`` (sqlite, postgresql or mysql).

    With ``copies`` the product page is rare, so nearly every product read joins the category and the
    seller and design copies their columns into the product items; without, the product page is most
    of the reads and the join reads both parents with BatchGetItem.
    """
    text = resources.files(__name__).joinpath("access_patterns.yaml").read_text(encoding="utf-8")
    rps = "0.1" if copies else "50"
    return text.replace("{dialect}", dialect).replace("{upsert}", UPSERT[dialect]).replace("{product_page_rps}", rps)


def generate(engine: sa.Engine, rows: int, seed: int = 7) -> dict[str, int]:
    """Create the shop's tables (dropping old ones) and fill them for ``rows`` users; rows per table."""
    rng = random.Random(seed)
    recreate(engine, metadata)
    data: dict[str, list[dict[str, Any]]] = {
        "users": [{"id": i, "email": f"user{i}@example.org", "name": f"User {i}"} for i in range(1, rows + 1)],
        # A three-level tree: 1 is the root, 2-3 its children, 4-7 their children.
        "categories": [
            {"id": i, "parent_id": None if i == 1 else i // 2, "name": f"Category {i}"} for i in range(1, 8)
        ],
    }
    data["products"] = [
        {
            "id": i,
            "category_id": rng.randint(1, 7),
            "seller_id": rng.randint(1, rows),
            "name": f"Product {i}",
            "price": rng.randint(1, 50) * 100,
            "inventory_quantity": rng.randint(0, 5),
        }
        for i in range(1, 2 * rows + 1)
    ]
    data["cart_items"] = []
    for user in range(1, rows + 1):
        for product in sorted(rng.sample(range(1, 2 * rows + 1), rng.randint(0, 3))):
            data["cart_items"].append(
                {
                    "id": len(data["cart_items"]) + 1,
                    "user_id": user,
                    "product_id": product,
                    "quantity": rng.randint(1, 6),
                    "price": data["products"][product - 1]["price"],
                }
            )
    return insert_rows(engine, metadata, data)
