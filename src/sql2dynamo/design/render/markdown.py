"""Small Markdown helpers shared by the design documents: cells, tables, numbers, money.

Everything here is pure and deterministic so that the rendered documents can
be compared byte for byte between runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(text: object) -> str:
    """``text`` made safe for one GitHub table cell.

    A ``|`` would end the cell and a newline the row, so pipes are escaped (GFM
    honours ``\\|`` even inside code spans) and line breaks become ``<br>``; an
    empty value shows as ``—`` so that the column does not look forgotten.
    """
    value = "" if text is None else str(text)
    value = value.replace("|", "\\|")
    if value.isprintable():  # no line break of any kind (they are all unprintable): the usual, quick case
        return value.strip() or "—"
    value = "<br>".join(part.strip() for part in value.strip().splitlines())
    return value or "—"


def code(text: object) -> str:
    """``text`` as an inline code span, whatever backticks it contains."""
    value = str(text)
    if "`" not in value:
        return f"`{value}`"
    longest = run = 0
    for char in value:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def codes(values: Iterable[object], sep: str = ", ") -> str:
    """Several values as code spans joined by ``sep``."""
    return sep.join(code(v) for v in values)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """The lines of a GitHub table; each row must have as many cells as ``headers``."""
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, the table {len(headers)}: {row!r}")
        lines.append("| " + " | ".join(cell(value) for value in row) + " |")
    return lines


def num(value: float | int | None, *, unknown: str = "unknown") -> str:
    """A number for prose: integers without decimals, others with at most 2 (3 significant below 1)."""
    if value is None:
        return unknown
    number = float(value)
    if number.is_integer():
        return f"{int(number):,}"
    if abs(number) < 1:
        return f"{number:.3g}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def money(value: float) -> str:
    """Dollars with exactly two decimals: ``$1,234.50``."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def approx_rows(count: int, *, exact: bool) -> str:
    """A table's size for prose: ``1,000 rows`` when counted, ``~1,000 rows`` when estimated."""
    return f"{'' if exact else '~'}{num(count)} rows"


def bullet(label: str, value: object) -> str:
    """``- **label**: value`` as in the data-modeling method's templates."""
    return f"- **{label}**: {value}"


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 table`` / ``3 tables``."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def join_lines(lines: Iterable[str]) -> str:
    """The document text: lines joined, runs of blank lines collapsed, one trailing newline."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
