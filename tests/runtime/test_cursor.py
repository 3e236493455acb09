"""The opaque cursor: round trip of every key type, bound to its pattern, garbage refused."""

from __future__ import annotations

import pytest

from sql2dynamo.runtime.cursor import CursorState, decode_cursor, encode_cursor
from sql2dynamo.runtime.errors import InvalidRequest


def test_round_trip_of_string_number_and_binary_keys() -> None:
    state = CursorState({"PK": {"S": "USER#é"}, "n": {"N": "-1.5"}, "b": {"B": b"\x00\xff"}}, 40)
    text = encode_cursor("AP01", state)
    assert text.isascii() and "USER" not in text
    assert decode_cursor("AP01", text) == state
    assert decode_cursor("AP01", encode_cursor("AP01", CursorState(None, 3))) == CursorState(None, 3)


@pytest.mark.parametrize("text", ["", "!!!", "bm90IGpzb24", "eyJ2IjogMn0=", "W10="])
def test_not_a_cursor(text: str) -> None:
    with pytest.raises(InvalidRequest, match="not one this library gave"):
        decode_cursor("AP01", text)


def test_cursor_of_another_pattern() -> None:
    with pytest.raises(InvalidRequest, match="belongs to pattern AP02"):
        decode_cursor("AP01", encode_cursor("AP02", CursorState(None, 0)))
