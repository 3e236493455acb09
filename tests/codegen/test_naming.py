"""Each naming rule of the generated module, table by table."""

from __future__ import annotations

import keyword

import pytest

from sql2dynamo.codegen import naming


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("customer_id", "customer_id"),
        ("InvoiceId", "invoice_id"),  # camelCase is split
        ("HTTPStatus", "http_status"),
        ("Order Date", "order_date"),  # spaces
        ("order-date", "order_date"),
        ("  weird__name  ", "weird_name"),
        ("2nd_value", "x_2nd_value"),  # a leading digit
        ("class", "class_"),  # a keyword
        ("match", "match_"),  # a soft keyword
        ("self", "self_"),  # names the module uses itself
        ("limit", "limit_"),
        ("cursor", "cursor_"),
        ("datetime", "datetime_"),
        ("str", "str_"),  # a builtin an annotation uses
        ("id", "id"),  # other builtins may be shadowed
        ("café", "cafe"),  # accents dropped
        ("数据", "x"),  # nothing left: the fallback
        ("", "x"),
    ],
)
def test_snake(text: str, expected: str) -> None:
    assert naming.snake(text) == expected
    assert naming.snake(text).isidentifier()
    assert not keyword.iskeyword(naming.snake(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("invoice_line", "InvoiceLine"),
        ("users", "Users"),
        ("Order Items", "OrderItems"),
        ("2fa_codes", "T2faCodes"),
        ("", "Row"),
    ],
)
def test_camel(text: str, expected: str) -> None:
    assert naming.camel(text) == expected


@pytest.mark.parametrize(
    ("plural", "singular"),
    [
        ("users", "user"),
        ("categories", "category"),
        ("search_history", "search_history"),
        ("search_histories", "search_history"),
        ("addresses", "address"),
        ("boxes", "box"),
        ("matches", "match"),
        ("status", "status"),
        ("people", "person"),
        ("media", "media"),
        ("invoice_line", "invoice_line"),
        ("keys", "key"),
    ],
)
def test_singular(plural: str, singular: str) -> None:
    assert naming.singular(plural) == singular


@pytest.mark.parametrize(
    ("singular", "plural"),
    [
        ("user", "users"),
        ("category", "categories"),
        ("search_history", "search_histories"),
        ("key", "keys"),
        ("address", "addresses"),
        ("box", "boxes"),
        ("match", "matches"),
        ("person", "people"),
        ("media", "media"),
    ],
)
def test_plural(singular: str, plural: str) -> None:
    assert naming.plural(singular) == plural


@pytest.mark.parametrize(
    ("verb", "entity", "columns", "expected"),
    [
        ("get", "user", [("email", "=")], "get_user_by_email"),
        ("list", "invoices", [("customer_id", "=")], "list_invoices_by_customer_id"),
        ("get", "problem", [("platform", "="), ("problem_id", "=")], "get_problem_by_platform_and_problem_id"),
        ("list", "playlists", [], "list_playlists"),
        ("create", "invoice", [], "create_invoice"),
        # a qualified column keeps its bare name; a repeated column is named once
        ("get", "employee", [("customer.customer_id", "="), ("customer_id", "=")], "get_employee_by_customer_id"),
        # ranges say which way
        ("count", "logs", [("user_id", "="), ("created_at", ">=")], "count_logs_by_user_id_and_created_at_from"),
        ("delete", "log", [("created_at", "<")], "delete_log_by_created_at_before"),
        ("list", "logs", [("at", ">")], "list_logs_by_at_after"),
        ("list", "logs", [("at", "<=")], "list_logs_by_at_until"),
        ("list", "logs", [("id", "in")], "list_logs_by_id_in"),
        # odd table and column names still give identifiers
        ("get", "Order Items", [("Order Date", "=")], "get_order_items_by_order_date"),
        ("get", "class", [("from", "=")], "get_class_by_from"),
        ("get", "2fa", [("2nd", "=")], "get_2fa_by_2nd"),
    ],
)
def test_method_name(verb: str, entity: str, columns: list[tuple[str, str]], expected: str) -> None:
    name = naming.method_name(verb, entity, columns)
    assert name == expected
    assert name.isidentifier()


def test_collisions_take_the_pattern_id_on_every_twin() -> None:
    names = naming.dedupe([("AP17", "update_problem"), ("AP18", "update_problem"), ("AP19", "get_problem")])
    assert names == {"AP17": "update_problem_ap17", "AP18": "update_problem_ap18", "AP19": "get_problem"}


def test_collisions_left_after_the_pattern_id_get_numbers() -> None:
    names = naming.dedupe([("a", "get_x"), ("A", "get_x"), ("b", "get_y")], taken=["get_y"])
    assert names == {"a": "get_x_a", "A": "get_x_a_2", "b": "get_y_2"}
    assert len(set(names.values())) == 3


def test_class_names_avoid_the_module_names_and_each_other() -> None:
    names = naming.dedupe_classes(
        [("page", "Page"), ("pages", "Page"), ("none", "None"), ("user", "User"), ("users", "User")],
        taken=[*naming.RESERVED, "AppRepository"],
    )
    assert names == {"page": "PageRow", "pages": "PageRow2", "none": "NoneRow", "user": "User", "users": "User2"}
    assert all(n.isidentifier() and not keyword.iskeyword(n) for n in names.values())
