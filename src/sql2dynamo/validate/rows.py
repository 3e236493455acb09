"""Rows as the SQL gave them and as DynamoDB gave them, normalized and compared.

Both sides are reduced to plain comparable values first (:func:`normalize`):
the drivers disagree on types that mean the same thing (MariaDB's ``1`` for a
BOOLEAN, PostgreSQL's ``UUID`` objects, JSON as text or as a dict, time zones
on date-times), and the runtime gives the source's Python types.  The
normalization never makes different values equal: a string ``"5"`` stays
unlike the number ``5``, so a wrong attribute type is still a difference.

:func:`compare_rows` then checks the row lists: as multisets without ORDER BY;
in order with ORDER BY, where rows that tie on every ORDER BY column form a
group compared as a multiset (the SQL leaves their order open); with LIMIT the
last group may be cut anywhere, so there the DynamoDB rows only have to come
from the complete tie group of the unlimited result.  :func:`partly_purged`
gives the rows of a table that TTL is part-way through purging.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

Row = Mapping[str, Any]
NormalRow = tuple[tuple[str, Any], ...]


def normalize(value: Any) -> Any:
    """A hashable, comparable form of one value that keeps its kind (number, text, time, bytes, JSON)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("num", Decimal(int(value)))
    if isinstance(value, int | Decimal):
        return ("num", _number(Decimal(value)))
    if isinstance(value, float):
        return ("num", _number(Decimal(repr(value))))
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return ("datetime", value.isoformat())
    if isinstance(value, dt.date):
        return ("date", value.isoformat())
    if isinstance(value, dt.time):
        return ("time", value.replace(tzinfo=None).isoformat())
    if isinstance(value, dt.timedelta):
        return ("interval", value.total_seconds())
    if isinstance(value, uuid.UUID):
        return ("text", str(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return ("bytes", bytes(value).hex())
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted(str(v) for v in value)))
    if isinstance(value, dict | list | tuple):
        return ("json", json.dumps(_jsonable(value), sort_keys=True, separators=(",", ":")))
    if isinstance(value, str):
        return ("text", value)
    return ("other", repr(value))


def _number(d: Decimal) -> Decimal:
    try:
        return d.normalize() if d == d else d  # NaN stays NaN
    except InvalidOperation:  # pragma: no cover - Decimal.normalize raises only on signalling NaNs
        return d


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def normalize_json_text(value: Any) -> Any:
    """JSON held as text (MariaDB, SQLite) parsed, so it compares with the parsed JSON of another driver."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def normalize_row(row: Row, columns: Sequence[str], json_columns: frozenset[str] = frozenset()) -> NormalRow:
    """The row's ``columns`` (absent ones as a marker), normalized, in column order."""
    out = []
    for c in columns:
        if c not in row:
            out.append((c, ("absent",)))
            continue
        value = row[c]
        if c in json_columns:
            value = normalize_json_text(value)
        out.append((c, normalize(value)))
    return tuple(out)


def show_row(row: NormalRow) -> dict[str, Any]:
    """A normalized row for a report: column -> readable value."""
    out: dict[str, Any] = {}
    for c, v in row:
        if v is None:
            out[c] = None
        elif v[0] == "absent":
            out[c] = "<absent>"
        elif v[0] == "num":
            out[c] = format(v[1], "f")
        elif isinstance(v[1], tuple):
            out[c] = list(v[1])
        else:
            out[c] = v[1]
    return out


@dataclass(frozen=True)
class RowDiff:
    """How two row lists differ: a one-line reason and the first rows that differ."""

    reason: str
    expected: tuple[dict[str, Any], ...] = ()
    actual: tuple[dict[str, Any], ...] = ()
    position: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "reason": self.reason,
            "position": self.position,
            "expected": list(self.expected),
            "actual": list(self.actual),
        }


def _multiset_diff(expected: Sequence[NormalRow], actual: Sequence[NormalRow], where: str) -> RowDiff | None:
    want, got = Counter(expected), Counter(actual)
    if want == got:
        return None
    missing = list((want - got).elements())
    extra = list((got - want).elements())
    detail = ""
    if missing and extra:
        a, b = dict(missing[0]), dict(extra[0])
        cols = [c for c in a if a.get(c) != b.get(c)]
        if cols:
            first, second = show_row(((cols[0], a[cols[0]]),)), show_row(((cols[0], b.get(cols[0])),))
            detail = (
                f"; the first pair differs in {', '.join(cols[:5])} "
                f"({cols[0]}: {first[cols[0]]!r} on the source, {second[cols[0]]!r} on DynamoDB)"
            )
    return RowDiff(
        f"{where}: {len(missing)} row(s) the SQL returns are missing, {len(extra)} row(s) it does not return came back"
        + detail,
        tuple(show_row(r) for r in missing[:3]),
        tuple(show_row(r) for r in extra[:3]),
    )


def compare_rows(
    expected: Sequence[NormalRow],
    actual: Sequence[NormalRow],
    *,
    order_keys: Sequence[Any] | None = None,
    full_order_keys: Sequence[Any] | None = None,
    full_expected: Sequence[NormalRow] | None = None,
    limited: bool = False,
) -> RowDiff | None:
    """None when ``actual`` is what ``expected`` says; else the first difference.

    ``order_keys`` (one per expected row, None without ORDER BY) are the
    normalized ORDER BY values; rows with equal keys tie.  With ``limited``
    (a LIMIT cut the SQL's result), ``full_expected``/``full_order_keys`` are
    the result without the LIMIT, from which the last tie group is completed.
    """
    if order_keys is None:
        if len(expected) != len(actual):
            diff = _multiset_diff(expected, actual, f"{len(expected)} row(s) expected, {len(actual)} returned")
            return diff or RowDiff(f"{len(expected)} row(s) expected, {len(actual)} returned")
        return _multiset_diff(expected, actual, "as a multiset (the SQL has no ORDER BY)")
    if len(expected) != len(actual):
        diff = _multiset_diff(expected, actual, f"{len(expected)} row(s) expected, {len(actual)} returned")
        return diff or RowDiff(f"{len(expected)} row(s) expected, {len(actual)} returned")
    groups = _groups(order_keys)
    for n, (start, end) in enumerate(groups):
        last = n == len(groups) - 1
        got = actual[start:end]
        if last and limited and full_expected is not None and full_order_keys is not None:
            key = order_keys[start]
            pool = Counter(r for r, k in zip(full_expected, full_order_keys, strict=True) if k == key)
            over = Counter(got) - pool
            if over:
                return RowDiff(
                    f"rows {start + 1}-{end} (the last tie group, which the LIMIT cuts) hold rows outside that group",
                    tuple(show_row(r) for r in expected[start : start + 3]),
                    tuple(show_row(r) for r in list(over.elements())[:3]),
                    start,
                )
            continue
        diff = _multiset_diff(expected[start:end], got, f"rows {start + 1}-{end} (in ORDER BY order)")
        if diff is not None:
            return RowDiff(diff.reason, diff.expected, diff.actual, start)
    return None


def _groups(keys: Sequence[Any]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            out.append((start, i))
            start = i
    return out


def partly_purged(full: Sequence[NormalRow], live: Sequence[NormalRow], got: Sequence[NormalRow]) -> list[int]:
    """Positions in ``full`` of the rows a part-way purge leaves: every ``live`` row and the expired ones ``got`` has.

    ``full`` is the source's result, ``live`` the same with every row past its
    retention deleted.  DynamoDB's TTL deletes expired items one sweep at a
    time, so between the two it may hold any subset of the expired rows; the
    one subset to compare with is the expired rows it returned.
    """
    keep, returned = Counter(live), Counter(got)
    out: list[int] = []
    for i, row in enumerate(full):
        if keep[row] > 0:
            keep[row] -= 1
            returned[row] -= 1  # a copy DynamoDB returned is this live row first
            out.append(i)
        elif returned[row] > 0:
            returned[row] -= 1
            out.append(i)
    return out
