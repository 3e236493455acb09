"""BatchWriteItem request bodies: item keys, deduplication within a call, and fast JSON encoding.

The writer encodes a request in one ``json`` call straight from low-level items (``{"id": {"N": "1"}}``),
skipping botocore's per-attribute validation and serialization: CPU per item matters, as the writer
shares a small machine with the source database and often with DynamoDB Local.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sql2dynamo.migrate.write_results import FailedItem, WriteResult

__all__ = ["Item", "KeySchema", "dedupe", "encode_request", "key_of"]

KeySchema = tuple[tuple[str, str], ...]
"""A table's key attributes with their types, hash key first: ``(("pk", "S"), ("sk", "N"))``."""

Item = Mapping[str, Any]


def dedupe(table: str, schema: KeySchema, items: Sequence[Item], result: WriteResult) -> list[Item]:
    """The items with the last one of each key kept; keyless or badly keyed items go to ``result.failed``.

    BatchWriteItem refuses a call that names one key twice, so a later item for a key replaces an earlier
    one (counted in ``result.duplicates``).
    """
    unique: dict[Any, Item] = {}
    if len(schema) == 1:
        ((name, kind),) = schema
        for item in items:
            try:
                key: Any = _key_value(item, name, kind)
            except _BadItem as bad:
                result.failed.append(FailedItem(table, bad.key, bad.reason, "InvalidKey"))
                continue
            unique[key] = item
    else:
        for item in items:
            try:
                key = tuple(_key_value(item, name, kind) for name, kind in schema)
            except _BadItem as bad:
                result.failed.append(FailedItem(table, key_of(item, schema), bad.reason, "InvalidKey"))
                continue
            unique[key] = item
    result.duplicates += len(items) - len(result.failed) - len(unique)
    return list(unique.values())


def encode_request(table: str, items: Sequence[Item], *, measure: bool) -> bytes | None:
    """The BatchWriteItem body putting ``items``, or ``None`` if a value is not in low-level form."""
    request: dict[str, Any] = {"RequestItems": {table: [{"PutRequest": {"Item": item}} for item in items]}}
    if measure:
        request["ReturnConsumedCapacity"] = "TOTAL"
    try:
        text = _ENCODER.encode(request)
    except (TypeError, ValueError):
        # Not low-level form: the caller lets botocore serialize it, or explain why not.
        return None
    return text.encode("ascii")


def key_of(item: Item, schema: KeySchema) -> dict[str, Any]:
    """The item's key attributes (the whole item when the schema is unknown)."""
    if not schema:
        return dict(item)
    return {name: item[name] for name, _ in schema if name in item}


class _BadItem(Exception):
    def __init__(self, key: dict[str, Any], reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


def _encode_binary(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not a low-level DynamoDB value")


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=_encode_binary, check_circular=False)


def _key_value(item: Item, name: str, kind: str) -> Any:
    value = item.get(name)
    data = value.get(kind) if isinstance(value, Mapping) and len(value) == 1 else None
    if data is None:
        got = "missing" if value is None else f"not of type {kind}: {value!r:.80}"
        raise _BadItem({name: value} if value is not None else {}, f"key attribute {name!r} is {got}")
    if kind == "N":
        try:
            # "1" and "1.0" are the same key to DynamoDB.
            return Decimal(data)
        except InvalidOperation:
            raise _BadItem({name: value}, f"key attribute {name!r} is not a number: {data!r:.80}") from None
    if not data:
        raise _BadItem({name: value}, f"key attribute {name!r} is empty")
    if kind == "B" and isinstance(data, bytearray | memoryview):
        # Unhashable binary types: compare by content.
        return bytes(data)
    return data
