"""Canonical form of low-level DynamoDB items: equal items hash equal, whatever their spelling.

DynamoDB does not keep what the writer spelled: numbers lose trailing zeros
and exponents (``12.50``, ``12.5`` and ``1.25E1`` are one number), sets and
maps have no order.  Verification compares what was expected (the items the
transform built) with what a Scan returns, so both go through
:func:`canonical` first:

* ``N``: the decimal's significant digits and exponent (no context rounding,
  so 38-digit numbers compare exactly), zero is ``0`` whatever its sign;
* ``SS`` / ``NS`` / ``BS``: sorted, duplicates dropped;
* ``M``: by key (JSON ``sort_keys``); ``L``: in order;
* ``B``: base64 (bytes, bytearray, memoryview; a ``str`` is taken as base64
  already, as DynamoDB JSON spells binaries).

:func:`canonical_hash` is the SHA-256 of the canonical form as compact JSON.

Bookkeeping attributes (:data:`BOOKKEEPING_ATTRIBUTES`: the source position
``sync`` stamps on every item it writes) are not data: the canonical form
and the differences leave them out.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

AttributeValue = Mapping[str, Any]
Item = Mapping[str, AttributeValue]
BOOKKEEPING_ATTRIBUTES = frozenset({"_s2d_pos"})  # sql2dynamo.sync.apply.POSITION_ATTRIBUTE


def canonical_number(text: str) -> str:
    """One spelling per number value: ``[-]DIGITSeEXP`` with no trailing zeros, or ``0``."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"not a DynamoDB number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a DynamoDB number: {text!r}")
    sign, digits, exp = value.as_tuple()
    assert isinstance(exp, int)
    if not any(digits):
        return "0"
    end = len(digits)
    while digits[end - 1] == 0:
        end -= 1
    return f"{'-' if sign else ''}{''.join(map(str, digits[:end]))}e{exp + len(digits) - end}"


def _bytes(payload: Any) -> str:
    if isinstance(payload, str):
        payload = base64.b64decode(payload, validate=True)
    return base64.b64encode(bytes(payload)).decode("ascii")


def _kind(av: AttributeValue) -> tuple[str, Any]:
    if len(av) != 1:
        raise ValueError(f"an attribute value has exactly one type: {list(av)!r}")
    ((kind, payload),) = av.items()
    return kind, payload


def canonical(av: AttributeValue) -> list[Any]:
    """``[type, canonical payload]`` of one low-level attribute value (JSON-ready)."""
    kind, payload = _kind(av)
    if kind == "S":
        return ["S", str(payload)]
    if kind == "N":
        return ["N", canonical_number(payload)]
    if kind == "B":
        return ["B", _bytes(payload)]
    if kind == "BOOL":
        return ["BOOL", bool(payload)]
    if kind == "NULL":
        return ["NULL", True]
    if kind == "SS":
        return ["SS", sorted(set(payload))]
    if kind == "NS":
        return ["NS", sorted({canonical_number(n) for n in payload})]
    if kind == "BS":
        return ["BS", sorted({_bytes(b) for b in payload})]
    if kind == "M":
        return ["M", {str(k): canonical(v) for k, v in payload.items()}]
    if kind == "L":
        return ["L", [canonical(v) for v in payload]]
    raise ValueError(f"unknown DynamoDB type {kind!r}")


def canonical_item(item: Item) -> dict[str, list[Any]]:
    """Every attribute in canonical form."""
    return {name: canonical(av) for name, av in item.items() if name not in BOOKKEEPING_ATTRIBUTES}


def canonical_hash(item: Item) -> str:
    """SHA-256 (hex) of the canonical item: stable across attribute order, number spelling and set order."""
    text = json.dumps(canonical_item(item), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# ------------------------------------------------------------------ differences


def diff_items(expected: Item, actual: Item, *, limit: int = 10) -> list[str]:
    """The first ``limit`` differences, attribute by attribute (expected's order, then extras).

    ``"price: N 12.5 != N 12.0"``, ``"missing attribute email"``, ``"extra
    attribute x"``; maps and lists are followed down (``address.city``,
    ``tags[2]``) and sets say which members are missing or extra.
    """
    out: list[str] = []
    top_actual = {k: v for k, v in actual.items() if k not in BOOKKEEPING_ATTRIBUTES}
    top_expected = {k: v for k, v in expected.items() if k not in BOOKKEEPING_ATTRIBUTES}
    _diff_maps("", top_expected, top_actual, out, limit)
    return out[:limit]


def _diff_maps(prefix: str, expected: Item, actual: Item, out: list[str], limit: int) -> None:
    for name in [*expected, *(n for n in actual if n not in expected)]:
        if len(out) >= limit:
            return
        path = prefix + name
        if name not in actual:
            out.append(f"missing attribute {path}")
        elif name not in expected:
            out.append(f"extra attribute {path}")
        else:
            _diff(path, expected[name], actual[name], out, limit)


def _diff(path: str, expected: AttributeValue, actual: AttributeValue, out: list[str], limit: int) -> None:
    want, got = canonical(expected), canonical(actual)
    if want == got:
        return
    kind = want[0]
    if kind == got[0] == "M":
        _diff_maps(path + ".", _kind(expected)[1], _kind(actual)[1], out, limit)
    elif kind == got[0] == "L":
        left, right = _kind(expected)[1], _kind(actual)[1]
        if len(left) != len(right):
            out.append(f"{path}: L of {len(left)} != L of {len(right)}")
        for i, (a, b) in enumerate(zip(left, right, strict=False)):
            if len(out) >= limit:
                return
            _diff(f"{path}[{i}]", a, b, out, limit)
    elif kind == got[0] and kind in ("SS", "NS", "BS"):
        missing = sorted(set(want[1]) - set(got[1]))
        extra = sorted(set(got[1]) - set(want[1]))
        out.append(f"{path}: {kind} missing {_members(missing)}, extra {_members(extra)}")
    else:
        out.append(f"{path}: {_show(expected)} != {_show(actual)}")


def _members(values: list[str]) -> str:
    text = "[" + ", ".join(_short(json.dumps(v, ensure_ascii=False)) for v in values[:5]) + "]"
    return text if len(values) <= 5 else text[:-1] + f", ... {len(values) - 5} more]"


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _show(av: AttributeValue) -> str:
    kind, payload = _kind(av)
    if kind == "S":
        return "S " + _short(json.dumps(payload, ensure_ascii=False))
    if kind == "N":
        return f"N {payload}"
    if kind == "BOOL":
        return "BOOL true" if payload else "BOOL false"
    if kind == "NULL":
        return "NULL"
    if kind == "B":
        raw = base64.b64decode(payload) if isinstance(payload, str) else bytes(payload)
        return f"B {len(raw)} bytes {_short(raw.hex(), 32)}"
    return f"{kind} of {len(payload)}"
