"""Shortening text for one-line messages and table cells without cutting a word (or a quoted name) in half.

A message cut at a fixed character count can end inside a word or a quoted
identifier (``... ON DELETE `"``), which reads as a different, broken
statement.  :func:`shorten` cuts at the last boundary that fits and says so
with an ellipsis.
"""

from __future__ import annotations

__all__ = ["ELLIPSIS", "shorten"]

ELLIPSIS = "…"

# Closing punctuation a cut may end on; anything opening (a bracket, a quote) is dropped with what follows it.
_TRAILING = " ,;:=([{`'\""


def shorten(text: str, limit: int) -> str:
    """``text`` on one line (runs of whitespace become one space), at most ``limit`` characters.

    A longer text is cut after its last whole word that fits, opening
    brackets and quotes left dangling by the cut are dropped, and ``…``
    ends it.  A single word longer than ``limit`` is cut inside, as nothing
    else fits.
    """
    if limit < 2:
        raise ValueError("limit must leave room for one character and the ellipsis")
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    room = flat[: limit - 1]
    if flat[limit - 1] != " ":
        # The cut falls inside a word: go back to the space before it, unless that loses most of the room.
        space = room.rfind(" ")
        if space >= (limit - 1) // 2:
            room = room[:space]
    kept = room.rstrip(_TRAILING)
    kept = _close_quotes(kept)
    return (kept or room) + ELLIPSIS


def _close_quotes(text: str) -> str:
    """``text`` without a trailing quoted name whose closing quote the cut removed."""
    for quote in "`'\"":
        if text.count(quote) % 2:
            text = text[: text.rfind(quote)].rstrip(_TRAILING)
    return text
