"""Small HTML helpers every section uses: escaping, anchors, links, number formats.

Every piece of text that reaches the page goes through :func:`esc` (or
:func:`attr` inside an attribute): SQL, names and values are user data.
Anchors are derived from names by a fixed, reversible substitution, so they
are stable (the same name always gives the same id) and unique.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable

from sql2dynamo.report.data import Link

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def esc(text: object) -> str:
    """Text content, escaped (quotes too, so it is safe in attributes as well)."""
    return html.escape(str(text), quote=True)


def attr(name: str, value: object) -> str:
    """`` name="value"``, escaped."""
    return f' {name}="{esc(value)}"'


def anchor(kind: str, name: str) -> str:
    """A stable, unique element id for a table, index or pattern: ``kind-name`` with unsafe characters spelled out."""
    return f"{kind}-" + _UNSAFE.sub(lambda m: f"_{ord(m.group()):x}_", name)


def table_link(table: str, index: str | None = None) -> str:
    """A link to a table's card (or one of its indexes)."""
    target = anchor("table", table) if index is None else anchor("index", f"{table}/{index}")
    text = table if index is None else f"{table}/{index}"
    return f'<a class="ref ref-table" href="#{esc(target)}">{esc(text)}</a>'


def pattern_link(pattern_id: str) -> str:
    """A link to a pattern's row."""
    return f'<a class="ref ref-pattern" href="#{esc(anchor("pattern", pattern_id))}">{esc(pattern_id)}</a>'


def links_html(links: Iterable[Link], pattern_ids: Iterable[str]) -> str:
    """Table and pattern links, space separated ('' when none)."""
    parts = [table_link(link.table, link.index) for link in links]
    parts += [pattern_link(p) for p in pattern_ids]
    return " ".join(parts)


def num(x: float | int | None, digits: int = 3) -> str:
    """A figure as a reader writes it: thousands separators, at most ``digits`` significant decimals, '-' for None."""
    if x is None:
        return "-"
    if isinstance(x, int) or float(x).is_integer():
        return f"{int(x):,}"
    value = float(x)
    if abs(value) >= 100:
        return f"{value:,.1f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value)))) if value else 0
    text = f"{value:,.{min(decimals, 8)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(x: float) -> str:
    """Dollars to the cent; amounts under a cent say so instead of showing $0.00."""
    if 0 < x < 0.005:
        return "&lt;$0.01"
    return f"${x:,.2f}"


def code(text: str | None) -> str:
    """Inline code, or a dash for nothing."""
    return "-" if not text else f"<code>{esc(text)}</code>"


def empty_note(what: str, command: str) -> str:
    """A paragraph saying a part of the report has no input, and which option gives it."""
    return f'<p class="missing">No {esc(what)} given: pass <code>{esc(command)}</code> to show it.</p>'
