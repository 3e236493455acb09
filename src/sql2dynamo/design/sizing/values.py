"""DynamoDB's value sizing rules: the exact bytes of a concrete value or item.

These are DynamoDB's own rules, with no estimation in them, so they stand
apart from the estimates built on them (:mod:`~sql2dynamo.design.sizing.columns`,
:mod:`~sql2dynamo.design.sizing.items`) and can be reused where real items are
measured (the migration's transform checks items against
:data:`ITEM_SIZE_LIMIT` with them).

==============  ==========================================  ===================================
DynamoDB type   bytes                                       why
==============  ==========================================  ===================================
attribute name  UTF-8 length                                names are stored in every item
S (string)      UTF-8 length                                stored as UTF-8
N (number)      ceil(significant digits / 2) + 1, max 21    base-100 digits plus an exponent byte
B (binary)      length                                      raw bytes
BOOL, NULL      1                                           one flag byte
M (map)         3 + per entry (1 + name + value)            3 bytes framing, 1 per element
L (list)        3 + per element (1 + value)                 3 bytes framing, 1 per element
SS / NS / BS    sum of the members                          sets carry no per-member overhead
==============  ==========================================  ===================================
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

ITEM_SIZE_LIMIT = 400 * 1024  # DynamoDB refuses larger items
NUMBER_MAX_BYTES = 21  # 38 significant digits: 19 digit bytes + exponent + sign


def string_size(text: str) -> int:
    """Bytes of a string (S) or attribute name: its UTF-8 length."""
    return len(text.encode("utf-8"))


def number_size(value: int | float | Decimal | str) -> int:
    """Bytes of a number (N): one per two significant digits, plus one, at most 21.

    Leading and trailing zeros are not significant (DynamoDB trims them), so
    ``100`` costs as much as ``1``.
    """
    try:
        dec = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not dec.is_finite():
        raise ValueError(f"DynamoDB numbers are finite: {value!r}")
    if dec.is_zero():
        return 2  # "0": one significant digit
    # strip by hand: normalize() would round to the context's 28 digits
    text = "".join(str(d) for d in dec.as_tuple().digits).strip("0")
    return min(math.ceil(len(text) / 2) + 1, NUMBER_MAX_BYTES)


def value_size(value: Any) -> int:
    """Bytes of one attribute value (without its name) by DynamoDB's rules.

    Python values map to DynamoDB types as boto3 does: ``None`` -> NULL,
    ``bool`` -> BOOL, numbers -> N, ``str`` -> S, bytes -> B, ``dict`` -> M,
    ``list``/``tuple`` -> L, ``set``/``frozenset`` -> SS/NS/BS.
    """
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, (int, float, Decimal)):
        return number_size(value)
    if isinstance(value, str):
        return string_size(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(bytes(value))
    if isinstance(value, Mapping):
        return 3 + sum(1 + string_size(str(k)) + value_size(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return 3 + sum(1 + value_size(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return sum(value_size(v) for v in value)
    raise TypeError(f"no DynamoDB type for a {type(value).__name__}")


def item_size(item: Mapping[str, Any]) -> int:
    """Bytes of a whole item: every attribute's name plus its value."""
    return sum(string_size(name) + value_size(v) for name, v in item.items())
