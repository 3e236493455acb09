"""Issue 20 at design time, from DDL alone (no statistics): each kind of SQL is served or refused truly.

The shop's schema (users, categories by parent_id, products with two parents, cart_items unique by
(user_id, product_id)) with one pattern per case; validate runs the same kinds on three real sources in
tests/validate/test_shop.py.  Here the cases that need no data: refusals' reasons, join routing, and the
estimates a schema without statistics gets.
"""

from __future__ import annotations

from sql2dynamo.design.engine.build import DesignOptions, build_model
from sql2dynamo.design.finalize import finalize
from sql2dynamo.design.inputs import resolve_patterns
from sql2dynamo.design.model import AccessPlan
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile, Rps
from tests.design.fixtures import col, schema, table

SHOP = schema(
    table("users", [col("id", "integer"), col("name")]),
    table(
        "categories",
        [col("id", "integer"), col("parent_id", "integer", nullable=True), col("name")],
        fks=[("parent_id", "categories", "id")],
    ),
    table(
        "products",
        [
            *(col(c, "integer") for c in ("id", "category_id", "seller_id", "buyer_id", "price", "inventory_quantity")),
            col("name"),
        ],
        fks=[("category_id", "categories", "id"), ("seller_id", "users", "id"), ("buyer_id", "users", "id")],
    ),
    table(
        "cart_items",
        [col(c, "integer") for c in ("id", "user_id", "product_id", "quantity", "price")],
        fks=[("user_id", "users", "id"), ("product_id", "products", "id")],
        uniques=[("user_id", "product_id")],
    ),
)


def _plans(*sql: str) -> dict[str, AccessPlan]:
    """The finished plans (capacity per call included) of one pattern per statement, AP1, AP2, ..."""
    patterns = PatternsFile(
        "shop", tuple(AccessPattern(f"AP{n}", f"pattern {n}", s, Rps(1, 2)) for n, s in enumerate(sql, 1))
    )
    resolved = resolve_patterns(SHOP, patterns)
    model = finalize(build_model(SHOP, patterns, resolved, DesignOptions()), SHOP, patterns, resolved)
    return {p.pattern_id: p for p in model.plans}


def test_a_product_joined_to_both_parents_reads_each_parent_by_its_own_foreign_key() -> None:
    plans = _plans(
        "SELECT p.name, c.name AS category, u.name AS seller FROM products p "
        "JOIN categories c ON c.id = p.category_id JOIN users u ON u.id = p.seller_id WHERE p.id = :id",
        # Most product reads do not join: the parents are read, not copied.
        *["SELECT * FROM products WHERE id = :id"] * 3,
    )
    steps = plans["AP1"].steps
    assert plans["AP1"].supported, plans["AP1"].reason
    assert [(s.operation, s.table) for s in steps] == [
        ("GetItem", "products"),
        ("BatchGetItem", "categories"),
        ("BatchGetItem", "users"),
    ]
    # The users' key comes from the product (carried past the category's step), by seller_id, not buyer_id.
    assert steps[1].key == {"id": "{category_id}"}
    assert steps[2].key == {"id": "{products.seller_id}"}


def test_joins_the_planner_cannot_tell_apart_are_refused_for_that_reason() -> None:
    plans = _plans(
        "SELECT c.name, s.name AS sub FROM categories c JOIN categories s ON s.parent_id = c.id WHERE c.id = :id",
        "SELECT p.name, b.name, s.name FROM products p JOIN users b ON b.id = p.buyer_id "
        "JOIN users s ON s.id = p.seller_id WHERE p.id = :id",
        # Joined on a column that is no foreign key (quantity), though user_id is one.
        "SELECT ci.quantity, u.name FROM cart_items ci JOIN users u ON u.id = ci.quantity WHERE ci.user_id = :u",
    )
    assert not plans["AP1"].supported and "a self-join of categories" in plans["AP1"].reason
    assert not plans["AP2"].supported and "a join to users twice" in plans["AP2"].reason
    assert not plans["AP3"].supported
    assert (
        "a join of cart_items to users, which no foreign key links to cart_items or to a parent" in plans["AP3"].reason
    )
    assert all(p.alternative for p in plans.values())


def test_sql_a_single_read_would_answer_wrongly_is_refused() -> None:
    plans = _plans(
        "WITH RECURSIVE path AS (SELECT id, parent_id, name, 0 AS depth FROM categories WHERE id = :id "
        "UNION ALL SELECT c.id, c.parent_id, c.name, path.depth + 1 FROM categories c JOIN path ON c.id = "
        "path.parent_id) SELECT id, name, depth FROM path ORDER BY depth DESC",
        "SELECT ci.product_id FROM cart_items ci JOIN products p ON p.id = ci.product_id "
        "WHERE ci.user_id = :u AND ci.quantity > p.inventory_quantity",
        "INSERT INTO cart_items (id, user_id, product_id, quantity, price) VALUES (:id, :u, :p, :q, :pr) "
        "ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity",
        "INSERT INTO users (id, name) VALUES (:id, :name) ON CONFLICT (id) DO NOTHING",
        "SELECT SUM(quantity) AS units FROM cart_items WHERE user_id = :u",
        "SELECT * FROM products WHERE seller_id = :s ORDER BY id LIMIT :n OFFSET :o",
        # Two columns equal, but not the join's pair: no step enforces it (the join step reads by p.id).
        "SELECT ci.product_id FROM cart_items ci JOIN products p ON p.id = ci.product_id "
        "WHERE ci.user_id = :u AND ci.price = p.price",
    )
    recursive, cross, upsert, upsert_pk, aggregate, offset, unpaired = (plans[f"AP{n}"] for n in range(1, 8))
    assert "`ci.price = p.price` cannot be checked" in unpaired.reason
    assert "a recursive CTE (WITH RECURSIVE) that walks categories.parent_id" in recursive.reason
    assert "one GetItem per level" in str(recursive.alternative)
    assert "`ci.quantity > p.inventory_quantity` cannot be checked" in cross.reason
    assert "kept in the lookup table" in upsert.reason and "would fail on the second call" in upsert.reason
    assert "sets quantity = cart_items.quantity + excluded.quantity" in upsert.reason.lower()
    assert "does nothing when the row exists" in upsert_pk.reason and "runtime does not execute" in upsert_pk.reason
    # No statistics: the bound is unknown, and the refusal says so.
    assert "over the cart_items rows of one user_id: a bounded set (a fan-out the analysis did not measure)" in (
        aggregate.reason
    )
    assert offset.alternative == "page with the cursor the runtime returns instead of an offset"
    assert not any(p.supported for p in plans.values())


def test_without_statistics_a_unique_value_names_one_item() -> None:
    plans = _plans(
        "SELECT * FROM cart_items WHERE user_id = :u AND product_id = :p",
        "SELECT * FROM cart_items WHERE user_id = :u",
    )
    assert plans["AP1"].expected_items == 1.0
    assert plans["AP2"].expected_items == 10.0  # a nominal page, said in the plan


def test_a_chain_of_foreign_keys_reads_each_parent_from_the_row_before_it() -> None:
    plans = _plans(
        "SELECT ci.quantity, p.name, c.name AS category FROM cart_items ci JOIN products p ON p.id = ci.product_id "
        "JOIN categories c ON c.id = p.category_id WHERE ci.user_id = :u",
    )
    plan = plans["AP1"]
    assert plan.supported, plan.reason
    assert [(s.operation, s.table) for s in plan.steps] == [
        ("Query", "cart_items"),
        ("BatchGetItem", "products"),
        ("BatchGetItem", "categories"),
    ]
    assert plan.steps[2].key == {"id": "{products.category_id}"}


def test_an_outer_join_to_a_parent_by_a_nullable_key_is_refused() -> None:
    sql = "SELECT ci.quantity, p.name FROM cart_items ci LEFT JOIN products p ON p.id = ci.product_id WHERE ci.id = :id"
    # Most cart reads do not join: the product is read by BatchGetItem, not copied.
    by_id = [AccessPattern(f"AP{n}", "by id", "SELECT * FROM cart_items WHERE id = :id", Rps(1, 2)) for n in (2, 3)]
    patterns = PatternsFile("shop", (AccessPattern("AP1", "left join", sql, Rps(1, 2)), *by_id))
    lines = table(
        "cart_items",
        [col("id", "integer"), col("product_id", "integer", nullable=True), col("quantity", "integer")],
        fks=[("product_id", "products", "id")],
    )
    nullable = schema(*(t if t.name != "cart_items" else lines for t in SHOP.tables))
    model = build_model(nullable, patterns, resolve_patterns(nullable, patterns), DesignOptions())
    left = next(p for p in model.plans if p.pattern_id == "AP1")
    assert not left.supported
    assert "an outer join to products by product_id, which may be NULL" in left.reason
    assert left.alternative
    # Not NULL: every cart line has its product, and the BatchGetItem loses none.
    assert _plans(sql, *["SELECT * FROM cart_items WHERE id = :id"] * 2)["AP1"].supported


def test_a_delete_by_query_is_priced_per_item_the_query_finds() -> None:
    plans = _plans(
        "SELECT * FROM cart_items WHERE user_id = :u",
        "DELETE FROM cart_items WHERE user_id = :u",
        "DELETE FROM cart_items WHERE id = :id",
    )
    read, clear, one = plans["AP1"], plans["AP2"], plans["AP3"]
    assert read.expected_items == clear.expected_items == 10.0  # no statistics: one nominal page, both
    assert clear.steps[0].operation == "Query" and one.steps[0].operation != "Query"
    # Every line found is deleted (its claim on (user_id, product_id) released too): 10 times one line's cost.
    assert clear.wcu_per_call == 10 * one.wcu_per_call > 0


def test_an_insert_that_copies_its_parents_columns_is_priced_with_their_reads() -> None:
    plans = _plans(
        "SELECT p.name, c.name AS category, u.name AS seller FROM products p "
        "JOIN categories c ON c.id = p.category_id JOIN users u ON u.id = p.seller_id WHERE p.id = :id",
        "INSERT INTO products (id, category_id, seller_id, buyer_id, name, price, inventory_quantity) "
        "VALUES (:id, :c, :s, :b, :n, :p, :q)",
        "INSERT INTO users (id, name) VALUES (:id, :name)",
    )
    assert [s.operation for s in plans["AP1"].steps] == ["GetItem"]  # the parents' columns are copied
    insert = plans["AP2"]
    assert "the copied columns are read first from categories, users (one GetItem each)" in str(insert.steps[0].note)
    assert insert.rcu_per_call == 2.0  # one strongly consistent GetItem per parent, items under 4 KB
    assert plans["AP3"].rcu_per_call == 0.0  # users copy nothing
