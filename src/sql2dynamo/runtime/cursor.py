"""The opaque read cursor: base64 of a small JSON document, bound to its pattern.

It holds the LastEvaluatedKey of the paged Query (binary key values as
base64) and how many rows earlier pages returned, so a SQL ``LIMIT`` holds
across pages.  A cursor of another pattern, or text that is not a cursor, is
an :class:`InvalidRequest`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sql2dynamo.runtime.errors import InvalidRequest

_VERSION = 1


@dataclass(frozen=True)
class CursorState:
    """Where the next page starts."""

    last_key: dict[str, dict[str, Any]] | None
    returned: int


def _av_out(av: Mapping[str, Any]) -> dict[str, Any]:
    ((kind, payload),) = av.items()
    if kind == "B":
        return {"B": base64.b64encode(bytes(payload)).decode("ascii")}
    return {kind: payload}


def _av_in(av: Mapping[str, Any]) -> dict[str, Any]:
    ((kind, payload),) = av.items()
    if kind == "B":
        return {"B": base64.b64decode(payload)}
    return {kind: payload}


def encode_cursor(pattern_id: str, state: CursorState) -> str:
    """The cursor text of ``state`` for ``pattern_id``."""
    doc: dict[str, Any] = {"v": _VERSION, "p": pattern_id, "n": state.returned}
    if state.last_key is not None:
        doc["k"] = {name: _av_out(av) for name, av in state.last_key.items()}
    text = json.dumps(doc, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def decode_cursor(pattern_id: str, cursor: str) -> CursorState:
    """The state a cursor of ``pattern_id`` holds."""
    try:
        doc = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        if not isinstance(doc, dict) or doc.get("v") != _VERSION:
            raise ValueError("not a cursor")
        key = doc.get("k")
        state = CursorState(
            last_key={name: _av_in(av) for name, av in key.items()} if key is not None else None,
            returned=int(doc.get("n", 0)),
        )
        owner = doc.get("p")
    except (ValueError, TypeError, AttributeError, UnicodeError, binascii.Error):
        raise InvalidRequest(f"{pattern_id}: the cursor is not one this library gave", pattern_id=pattern_id) from None
    if owner != pattern_id:
        raise InvalidRequest(f"{pattern_id}: the cursor belongs to pattern {owner}", pattern_id=pattern_id)
    return state


__all__ = ["CursorState", "decode_cursor", "encode_cursor"]
