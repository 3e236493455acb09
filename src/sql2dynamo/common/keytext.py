"""Escaping inside composed key text: the one rule for items and for the values plans spell out.

In a key built from several fields (``{b}#{c}``), a field followed by
literal text has every ``\\`` and every occurrence of that literal's first
character (the separator) escaped with a ``\\``, so two different rows never
compose the same key (see :mod:`sql2dynamo.items.templates`).  The design
stage uses it too when a pattern fixes a field with a SQL literal.
"""

from __future__ import annotations

__all__ = ["ESCAPE", "escape_field"]

ESCAPE = "\\"
"""Escapes the separator (and itself) inside a field's text."""


def escape_field(text: str, stop: str | None) -> str:
    """``text`` with ``\\`` and ``stop`` (the separator that follows the field) escaped; unchanged without ``stop``."""
    if stop is None or (stop not in text and ESCAPE not in text):
        return text
    return "".join(ESCAPE + ch if ch in (stop, ESCAPE) else ch for ch in text)
