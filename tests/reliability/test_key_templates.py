"""Composed keys are injective, decode back, and keep the order and prefixes the design relies on.

Property-based (hypothesis) over arbitrary text, including the separator and the escape character
themselves: items (``compile_key``, what migrate, sync and verify write) and plan values
(``render_value_template``, what the runtime sends) spell every key identically.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sql2dynamo.design.model import KeyPart
from sql2dynamo.design.plans import value_template
from sql2dynamo.items.templates import compile_key, render_value_template, split_key
from sql2dynamo.workload.shape.model import Binding

TEMPLATES = ("{a}#{b}#{c}", "{a}#{b}", "P#{a}#{b}", "{a}#{b}#", "X#{a}|{b}#{c}", "{a:pad}#{b}#{c}")
text = st.text(alphabet=st.sampled_from("ab#\\|x\u00fc"), max_size=6) | st.text(max_size=6)


def _row(template: str, a: Any, b: str, c: str) -> dict[str, Any]:
    return {"a": a, "b": b, "c": c}


def _key(template: str, row: dict[str, Any]) -> str:
    part = KeyPart("sk", "S", template, ("a", "b", "c"))
    rendered = compile_key(part)(row)["S"]
    assert isinstance(rendered, str)
    return rendered


def _plan_value(template: str, row: dict[str, Any]) -> str:
    plan = template.replace("{a", "{:a").replace("{b", "{:b").replace("{c", "{:c")
    rendered = render_value_template(plan, row)["S"]
    assert isinstance(rendered, str)
    return rendered


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(TEMPLATES), text, text, text, text, text, text)
def test_composed_keys_are_injective_and_decode_back(
    template: str, a1: str, b1: str, c1: str, a2: str, b2: str, c2: str
) -> None:
    if ":pad" in template:
        a1, a2 = str(len(a1)), str(len(a2))
    fields = [f for f in ("a", "b", "c") if "{" + f in template]
    row1, row2 = _row(template, a1, b1, c1), _row(template, a2, b2, c2)
    key1, key2 = _key(template, row1), _key(template, row2)
    same = all(str(row1[f]) == str(row2[f]) for f in fields)
    assert (key1 == key2) == same, (template, row1, row2, key1, key2)
    # the runtime's plan value for the same values is the very same text
    assert _plan_value(template, row1) == key1
    decoded = split_key(template, key1)
    if ":pad" not in template:
        assert decoded == {f: row1[f] for f in fields}


@settings(max_examples=400, deadline=None)
@given(text, text, text, text)
def test_begins_with_on_a_prefix_of_whole_fields_selects_exactly_those_rows(b1: str, c1: str, b2: str, c2: str) -> None:
    template = "{b}#{c}"
    key2 = _key(template, _row(template, "", b2, c2))
    # the prefix a plan renders for b = b1: the escaped field and its separator
    prefix = _key("{b}#", _row("{b}#", "", b1, ""))
    assert key2.startswith(prefix) == (b1 == b2), (b1, b2, prefix, key2)
    assert _key(template, _row(template, "", b1, c1)).startswith(prefix)


@settings(max_examples=400, deadline=None)
@given(text, text, text, st.integers(-(10**12), 10**12), st.integers(-(10**12), 10**12))
def test_the_last_field_keeps_its_order_under_a_fixed_prefix(b: str, c1: str, c2: str, n1: int, n2: int) -> None:
    # a range on the sort key's last field (BETWEEN / < / >) sees the values' own order
    k1, k2 = _key("{b}#{c}", _row("", "", b, c1)), _key("{b}#{c}", _row("", "", b, c2))
    assert (k1 < k2) == (c1 < c2) and (k1 == k2) == (c1 == c2)
    p1, p2 = _key("{b}#{a:pad}", _row("", n1, b, "")), _key("{b}#{a:pad}", _row("", n2, b, ""))
    assert (p1 < p2) == (n1 < n2)


def test_the_issue_rows_get_two_keys() -> None:
    template = "{b}#{c}"
    assert _key(template, _row(template, "t", "x#y", "z")) == "x\\#y#z"
    assert _key(template, _row(template, "t", "x", "y#z")) == "x#y#z"


@settings(max_examples=200, deadline=None)
@given(text, text)
def test_a_sql_literal_in_a_plan_is_spelled_as_the_stored_key(b: str, c: str) -> None:
    # WHERE b = '<literal>' AND c = :c on the key {b}#{c}: the plan's template holds the literal itself
    # (quotes and braces are the SQL parser's and the template language's own: not this property's)
    literal = "".join(ch for ch in b if ch not in "'{}")
    template = value_template(
        KeyPart("sk", "S", "{b}#{c}", ("b", "c")), [Binding("b", "=", f"'{literal}'"), Binding("c", "=", ":c")]
    )
    assert render_value_template(template, {"c": c})["S"] == _key("{b}#{c}", _row("", "", literal, c))
