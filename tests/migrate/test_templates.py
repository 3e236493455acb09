"""Key templates: parsing, each field kind, padding order, empty keys, plan value templates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from sql2dynamo.common.errors import InputError
from sql2dynamo.design.model import KeyPart
from sql2dynamo.items.converters import ValueRejected
from sql2dynamo.items.templates import (
    EmptyKey,
    Field,
    compile_key,
    pad_text,
    parse_template,
    render_key,
    render_value_template,
)
from sql2dynamo.items.values import ValueConverter

VALUES = ValueConverter()
COLUMNS = {
    "id": VALUES.converter("integer"),
    "price": VALUES.converter("decimal"),
    "active": VALUES.converter("boolean"),
    "created_at": VALUES.converter("datetime"),
    "name": VALUES.converter("string"),
    "blob": VALUES.converter("binary"),
}


@pytest.mark.parametrize(
    ("template", "parts"),
    [
        ("METADATA", ["METADATA"]),
        ("{id}", [Field("id")]),
        ("USER#{id:pad}", ["USER#", Field("id", "pad")]),
        ("{platform}#{problem_id}", [Field("platform"), "#", Field("problem_id")]),
        ("LOG#{created_at:date}#X", ["LOG#", Field("created_at", "date"), "#X"]),
        ("{:email}", [Field("email", None, True)]),
        ("USER#{:user_id:pad}", ["USER#", Field("user_id", "pad", True)]),
        ("{:day_start:date}", [Field("day_start", "date", True)]),
        ("UNIQUE#{old.slug}", ["UNIQUE#", Field("old.slug")]),
    ],
)
def test_parse_template(template: str, parts: list[Any]) -> None:
    assert parse_template(template) == parts


@pytest.mark.parametrize("template", ["{id:upper}", "USER#{id", "a}b", "{}"])
def test_bad_templates(template: str) -> None:
    with pytest.raises(InputError):
        parse_template(template)


SQLITE_AT = "2025-02-04 23:20:03.000000"
AWARE = datetime(2025, 1, 1, 1, tzinfo=timezone(timedelta(hours=2)))
KEYS = [
    # attribute type, template, row, attribute value
    ("N", "{id}", {"id": 42}, {"N": "42"}),  # one field keeps its type
    ("N", "{price}", {"price": Decimal("9.90")}, {"N": "9.9"}),
    ("S", "{name}", {"name": "Oslo"}, {"S": "Oslo"}),
    ("S", "{id}", {"id": 7}, {"S": "7"}),  # an S key from a number: its text
    ("S", "{active}", {"active": 1}, {"S": "true"}),  # SQLite's 1 in a boolean column
    ("S", "{created_at}", {"created_at": "2025-01-01 10:00:00.000000"}, {"S": "2025-01-01T10:00:00"}),
    ("B", "{blob}", {"blob": memoryview(b"\x01")}, {"B": b"\x01"}),
    ("S", "METADATA", {}, {"S": "METADATA"}),
    ("S", "USER#{id:pad}", {"id": 42}, {"S": "USER#00000000000000000042"}),
    ("S", "{id:pad}", {"id": 42}, {"S": "00000000000000000042"}),
    ("S", "{name}#{id}", {"name": "cf", "id": 1001}, {"S": "cf#1001"}),
    ("S", "PROBLEM#{name}", {"name": ""}, {"S": "PROBLEM#"}),  # empty inside text: the key is not empty
    (
        "S",
        "{id}#{name}#{created_at:date}",
        {"id": 3, "name": "run", "created_at": SQLITE_AT},
        {"S": "3#run#2025-02-04"},
    ),
    ("S", "D#{created_at:date}", {"created_at": AWARE}, {"S": "D#2024-12-31"}),  # the UTC day
    ("S", "D#{created_at:date}", {"created_at": date(2025, 3, 1)}, {"S": "D#2025-03-01"}),
    ("S", "P#{price}", {"price": 12.5}, {"S": "P#12.5"}),
    ("S", "A#{active}", {"active": True}, {"S": "A#true"}),
    ("S", "B#{blob}", {"blob": b"\xff"}, {"S": "B#/w=="}),  # bytes inside text: base64
]


@pytest.mark.parametrize(("kind", "template", "row", "expected"), KEYS)
def test_render_key(kind: str, template: str, row: dict[str, Any], expected: dict[str, Any]) -> None:
    part = KeyPart("k", kind, template, ())  # type: ignore[arg-type]
    assert render_key(part, row, converters=COLUMNS) == expected
    assert compile_key(part, COLUMNS)(row) == expected


def test_without_converters_the_python_type_decides() -> None:
    assert render_key(KeyPart("k", "N", "{id}", ("id",)), {"id": 5}) == {"N": "5"}
    assert render_key(KeyPart("k", "S", "T#{at}", ("at",)), {"at": datetime(2025, 1, 1, 9)}) == {
        "S": "T#2025-01-01T09:00:00"
    }


def test_padding_sorts_numerically() -> None:
    numbers = [-5, 3, 10, 200, -(10**19), 10**19, 0, -1]
    texts = [pad_text(n) for n in numbers]
    assert sorted(texts) == [pad_text(n) for n in sorted(numbers)]
    assert pad_text(3) == "00000000000000000003"
    assert pad_text(-5) == "-99999999999999999995"
    assert pad_text(Decimal("7")) == pad_text("7") == pad_text(7.0) == pad_text(7)


@pytest.mark.parametrize("value", [10**20, -(10**20), 2.5, "x", Decimal("NaN")])
def test_padding_rejects(value: Any) -> None:
    with pytest.raises(ValueRejected):
        pad_text(value)


@pytest.mark.parametrize(
    ("kind", "template", "row"),
    [
        ("N", "{id}", {"id": None}),
        ("S", "{name}", {"name": None}),
        ("S", "{name}", {"name": ""}),
        ("B", "{blob}", {"blob": b""}),
        ("S", "USER#{id:pad}", {"id": None}),
        ("S", "{name}#{id}", {"name": "x", "id": None}),
        ("S", "{name}{name}", {"name": ""}),
    ],
)
def test_empty_keys(kind: str, template: str, row: dict[str, Any]) -> None:
    with pytest.raises(EmptyKey, match="empty key"):
        render_key(KeyPart("k", kind, template, ()), row, converters=COLUMNS)  # type: ignore[arg-type]


def test_key_value_errors() -> None:
    with pytest.raises(ValueRejected, match="typed N"):
        render_key(KeyPart("k", "N", "{name}", ("name",)), {"name": "abc"}, converters=COLUMNS)
    with pytest.raises(ValueRejected, match="not an ISO-8601"):
        render_key(KeyPart("k", "S", "D#{name:date}", ("name",)), {"name": "soon"})
    with pytest.raises(InputError, match="typed N"):
        compile_key(KeyPart("k", "N", "A#{id}", ("id",)))
    with pytest.raises(InputError, match="parameter"):
        compile_key(KeyPart("k", "S", "{:id}", ()))


def test_value_templates() -> None:
    params = {"email": "a@x.org", "user_id": 12, "day_start": datetime(2025, 2, 4, 10, tzinfo=UTC), "gone": None}
    assert render_value_template("{:email}", params) == {"S": "a@x.org"}
    assert render_value_template("{:user_id}", params) == {"N": "12"}
    assert render_value_template("{:user_id}", params, kind="S") == {"S": "12"}
    assert render_value_template("USER#{:user_id:pad}", params) == {"S": "USER#00000000000000000012"}
    assert render_value_template("{:user_id}#run#{:day_start:date}", params) == {"S": "12#run#2025-02-04"}
    assert render_value_template("{:day_start}", params) == {"S": "2025-02-04T10:00:00.000000Z"}
    assert render_value_template("{:gone}", params) == {"NULL": True}
    assert render_value_template("TRUE", params, kind="BOOL") == {"BOOL": True}
    assert render_value_template("IS_PUBLIC", params) == {"S": "IS_PUBLIC"}
    assert render_value_template("42", params, kind="N") == {"N": "42"}
    assert render_value_template("PROBLEM#{id:pad}", params, row={"id": 9}) == {"S": "PROBLEM#00000000000000000009"}
    # with the column's converter a text parameter is spelled as the stored attribute
    at = {"day_start": VALUES.converter("datetime")}
    assert render_value_template("{:day_start}", {"day_start": "2025-02-04 00:00:00"}, converters=at) == {
        "S": "2025-02-04T00:00:00"
    }
    with pytest.raises(ValueRejected, match="empty value"):
        render_value_template("X#{:gone}", params)
    with pytest.raises(KeyError):
        render_value_template("{:missing}", params)
    with pytest.raises(KeyError):
        render_value_template("{id}", params)
