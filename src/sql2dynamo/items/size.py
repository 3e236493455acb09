"""DynamoDB's byte accounting for low-level items: attribute values, whole items, key attributes.

Kept apart from :mod:`sql2dynamo.items.transform` because these are DynamoDB's rules, not the
DataModel's: they know nothing of entities or rows, and both the compiled per-entity size bound
(:mod:`sql2dynamo.items.plan`) and the per-row checks of :class:`~sql2dynamo.items.transform.ItemBuilder`
use them.  The rules match :mod:`sql2dynamo.design.sizing.items`, which estimates what this measures.
"""

from __future__ import annotations

from collections.abc import Mapping

from sql2dynamo.design.sizing.values import NUMBER_MAX_BYTES
from sql2dynamo.items.converters import AttributeValue, ValueRejected

__all__ = [
    "PARTITION_KEY_MAX_BYTES",
    "SORT_KEY_MAX_BYTES",
    "check_key_size",
    "item_size",
    "text_size",
    "value_size",
]

PARTITION_KEY_MAX_BYTES = 2048
SORT_KEY_MAX_BYTES = 1024


def text_size(text: str) -> int:
    """UTF-8 bytes of ``text``; ASCII, by far the common case, skips the encoding."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _number_size(text: str) -> int:
    digits = text.upper().partition("E")[0].lstrip("+-").replace(".", "").strip("0")
    return min((len(digits) + 1) // 2 + 1, NUMBER_MAX_BYTES) if digits else 2


def _binary_size(payload: bytes | str) -> int:
    # A caller may hand over the wire form, base64 text: DynamoDB counts the decoded bytes.
    return len(payload) * 3 // 4 if isinstance(payload, str) else len(payload)


def value_size(av: AttributeValue) -> int:
    """Bytes of one low-level attribute value by DynamoDB's rules (see :mod:`sql2dynamo.design.sizing.items`)."""
    for kind, payload in av.items():
        if kind == "S":
            return text_size(payload)
        if kind == "N":
            return _number_size(payload)
        if kind == "B":
            return _binary_size(payload)
        if kind == "M":
            return 3 + sum(1 + text_size(k) + value_size(v) for k, v in payload.items())
        if kind == "L":
            return 3 + sum(1 + value_size(v) for v in payload)
        if kind == "SS":
            return sum(text_size(s) for s in payload)
        if kind == "NS":
            return sum(_number_size(n) for n in payload)
        if kind == "BS":
            return sum(_binary_size(b) for b in payload)
        return 1  # BOOL, NULL
    return 0  # no type at all: DynamoDB refuses such an item itself; an estimate must not fail first


def item_size(item: Mapping[str, AttributeValue]) -> int:
    """Bytes of a low-level item: every attribute's name plus its value."""
    return sum(text_size(name) + value_size(av) for name, av in item.items())


def check_key_size(name: str, av: AttributeValue, limit: int) -> None:
    """Reject a string or binary key value over ``limit`` bytes (other types cannot be that long)."""
    payload = av.get("S")
    if payload is None:
        payload = av.get("B")
    # 4 bytes per character at most: only a value that could be too long is measured.
    if payload is not None and 4 * len(payload) > limit:
        size = text_size(payload) if isinstance(payload, str) else len(payload)
        if size > limit:
            raise ValueRejected(f"key {name} is {size} bytes, over DynamoDB's {limit} for this key")
