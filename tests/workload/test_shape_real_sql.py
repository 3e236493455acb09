"""Issue 20: the shape of upserts, recursive CTEs, computed select items and column-to-column comparisons."""

from __future__ import annotations

import pytest

from sql2dynamo.workload.shape.model import Binding
from sql2dynamo.workload.shape.parse import parse_shape

CART = "INSERT INTO cart_items (id, user_id, product_id, quantity) VALUES (:id, :u, :p, :q) "


@pytest.mark.parametrize(
    ("dialect", "sql", "keys", "value"),
    [
        (
            "mysql",
            CART + "ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity)",
            (),
            "quantity + VALUES(quantity)",
        ),
        (
            "postgresql",
            CART + "ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity",
            ("user_id", "product_id"),
            "cart_items.quantity + EXCLUDED.quantity",
        ),
        (
            "sqlite",
            CART + "ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = quantity + excluded.quantity",
            ("user_id", "product_id"),
            "quantity + excluded.quantity",
        ),
    ],
    ids=["mysql", "postgresql", "sqlite"],
)
def test_an_upsert_keeps_what_it_does_on_a_conflict(dialect: str, sql: str, keys: tuple[str, ...], value: str) -> None:
    shape = parse_shape(sql, dialect)
    assert shape.upsert and shape.upsert_action == "update"
    assert shape.upsert_keys == keys
    assert shape.upsert_set == (Binding("quantity", "set", value),)


def test_an_upsert_that_does_nothing() -> None:
    shape = parse_shape("INSERT INTO users (id) VALUES (:id) ON CONFLICT (id) DO NOTHING", "postgresql")
    assert (shape.upsert_action, shape.upsert_keys, shape.upsert_set) == ("nothing", ("id",), ())
    assert parse_shape("INSERT INTO users (id) VALUES (:id)", "postgresql").upsert_action is None


def test_a_recursive_cte_is_marked_and_its_aliases_are_output_names() -> None:
    shape = parse_shape(
        "WITH RECURSIVE path AS (SELECT id, parent_id, 0 AS depth FROM categories WHERE id = :id UNION ALL "
        "SELECT c.id, c.parent_id, path.depth + 1 FROM categories c JOIN path ON c.id = path.parent_id) "
        "SELECT id, depth FROM path ORDER BY depth DESC",
        "postgresql",
    )
    assert shape.recursive and shape.tables == ("categories",)
    assert shape.aliases == ("depth",)
    assert shape.to_dict()["recursive"] is True
    plain = parse_shape("WITH p AS (SELECT id FROM categories) SELECT id FROM p", "postgresql")
    assert not plain.recursive and "recursive" not in plain.to_dict()


def test_computed_select_items_name_their_aliases() -> None:
    shape = parse_shape("SELECT id, price * 2 AS doubled, name AS label FROM products WHERE id = :id", "mysql")
    assert shape.aliases == ("doubled", "label")


@pytest.mark.parametrize("op", [">", ">=", "<", "<=", "<>"])
def test_two_columns_compared_by_order_are_no_join(op: str) -> None:
    shape = parse_shape(
        f"SELECT ci.id FROM cart_items ci JOIN products p ON p.id = ci.product_id "
        f"WHERE ci.user_id = :u AND ci.quantity {op} p.inventory_quantity",
        "postgresql",
    )
    compared = shape.conditions[1]
    assert compared.op == "other" and compared.text == f"ci.quantity {op} p.inventory_quantity"
    equal = parse_shape("SELECT * FROM a, b WHERE a.x = b.y", "postgresql").conditions[0]
    assert (equal.op, equal.column, equal.values) == ("join", "a.x", ("b.y",))
