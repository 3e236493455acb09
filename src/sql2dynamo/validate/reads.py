"""Read patterns: the SQL on the source against the plan through the Repository, paged with the cursor."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from sql2dynamo.common.errors import Sql2DynamoError
from sql2dynamo.source.model import Table
from sql2dynamo.validate.cases import Case
from sql2dynamo.validate.report import CaseResult
from sql2dynamo.validate.rows import NormalRow, RowDiff, compare_rows, normalize, normalize_row, partly_purged, show_row
from sql2dynamo.validate.sql import Output, PreparedSQL, run_select

if TYPE_CHECKING:
    from sql2dynamo.runtime.repository import Repository

MAX_PAGES = 10_000
UNLIMITED = 1_000_000_000


@dataclass(frozen=True)
class ReadSpec:
    """What a read pattern needs besides its cases."""

    pattern_id: str
    prepared: PreparedSQL
    limit_param: str | None
    page_size: int | None  # the repository's page size on the busiest key (None: its default)
    retention: Retention | None = None


@dataclass(frozen=True)
class Retention:
    """Items of the pattern's table expire (TTL) ``days`` after ``column``: DynamoDB may already have deleted them."""

    table: Table
    column: str
    days: int
    engine: sa.Engine  # a writable engine: the purge runs in a transaction that is rolled back


# The SQL's output columns, its rows, and its rows without the LIMIT when the LIMIT cut them.
SourceResult = tuple[list[str], list[dict[str, Any]], list[dict[str, Any]] | None]


def _source_rows(conn: sa.Connection, spec: ReadSpec, case: Case) -> SourceResult:
    columns, rows = run_select(conn, spec.prepared, case.source_params)
    full_rows: list[dict[str, Any]] | None = None
    limit = case.source_params.get(spec.limit_param) if spec.limit_param else None
    if spec.limit_param and spec.prepared.order_columns and isinstance(limit, int) and len(rows) >= limit:
        _, full_rows = run_select(conn, spec.prepared, {**case.source_params, spec.limit_param: UNLIMITED})
    return columns, rows, full_rows


def run_read_case(engine: sa.Engine, repo: Repository, spec: ReadSpec, case: Case) -> CaseResult:
    """Run one case on both sides and compare.

    With a :class:`Retention`, the source is read twice: as it is, and with the rows past their
    retention deleted (as the application's purge or DynamoDB's TTL does, at a time neither side
    controls); DynamoDB must match one of the two, or hold every live row and some of the expired
    ones, as while TTL's sweep is part-way through (a COUNT: lie between them).
    """
    with engine.connect() as conn:
        columns, rows, full_rows = _source_rows(conn, spec, case)
    live: SourceResult | None = None
    if spec.retention is not None:
        live = _live_rows(spec, case)
    page_size = spec.page_size if case.label.startswith(("most rows", "all rows")) else None
    got, calls, capacity, latencies, error = _read_all(repo, spec.pattern_id, case.app_params, page_size)
    params = dict(case.app_params)
    lat = tuple(latencies)
    if error is not None:
        return CaseResult(case.label, params, False, len(rows), 0, calls, capacity, lat, {"reason": error})
    if spec.prepared.is_count:
        expected_n = int(next(iter(rows[0].values()))) if rows else 0
        low = int(next(iter(live[1][0].values()))) if live is not None and live[1] else expected_n
        actual_n, why = _count_of(got)
        ok = why is None and actual_n is not None and low <= actual_n <= expected_n
        span = f"{expected_n}" if low == expected_n else f"{low} (rows past their TTL left out) to {expected_n}"
        why = why or f"COUNT is {span} on the source, {actual_n} on DynamoDB"
        counted = None if ok else {"reason": why}
        return CaseResult(case.label, params, ok, expected_n, actual_n or 0, calls, capacity, lat, counted)
    diff = _compare(spec, columns, rows, full_rows, got)
    # Every expired row, or only some, may already be gone from DynamoDB: compare with the purged source too.
    limit = case.source_params.get(spec.limit_param) if spec.limit_param else None
    if diff is not None and live is not None and _purged_match(spec, (columns, rows, full_rows), live, got, limit):
        diff = None
    return CaseResult(
        case.label, params, diff is None, len(rows), len(got), calls, capacity, lat, diff.as_dict() if diff else None
    )


def _live_rows(spec: ReadSpec, case: Case) -> SourceResult:
    retention = spec.retention
    assert retention is not None
    cutoff = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0) - dt.timedelta(days=retention.days)
    t = sa.table(retention.table.name, sa.column(retention.column))
    with retention.engine.connect() as conn, conn.begin() as trans:
        conn.execute(sa.delete(t).where(t.c[retention.column] < cutoff))
        out = _source_rows(conn, spec, case)
        trans.rollback()
    return out


def _compare(
    spec: ReadSpec,
    columns: list[str],
    rows: list[dict[str, Any]],
    full_rows: list[dict[str, Any]] | None,
    got: list[dict[str, Any]],
) -> RowDiff | None:
    source, returned = _normalizers(spec, columns)
    expected = [source(r) for r in rows]
    actual = [returned(r) for r in got]
    order = spec.prepared.order_columns
    keys = [tuple(normalize(r[o]) for o in order) for r in rows] if order else None
    full = [source(r) for r in full_rows] if full_rows is not None else None
    full_keys = [tuple(normalize(r[o]) for o in order) for r in full_rows] if full_rows is not None else None
    return compare_rows(
        expected,
        actual,
        order_keys=keys,
        full_order_keys=full_keys,
        full_expected=full,
        limited=full_rows is not None and len(full_rows) > len(rows),
    )


def _normalizers(
    spec: ReadSpec, columns: list[str]
) -> tuple[Callable[[Mapping[str, Any]], NormalRow], Callable[[Mapping[str, Any]], NormalRow]]:
    """How to normalize a source row and a repository row so that the two compare."""
    outputs = spec.prepared.outputs
    all_out = columns[: len(columns) - len(spec.prepared.order_columns)]
    known = len(outputs) == len(all_out)
    # A constant column (SELECT 1 ...) is the same in every row: the rows themselves are compared.
    out_columns = [c for i, c in enumerate(all_out) if not (known and outputs[i].literal)]
    json_columns = frozenset(c for i, c in enumerate(all_out) if known and outputs[i].type == "json")

    def source(row: Mapping[str, Any]) -> NormalRow:
        return normalize_row(row, out_columns, json_columns)

    def returned(row: Mapping[str, Any]) -> NormalRow:
        return normalize_row(_as_outputs(row, all_out, outputs if known else None), out_columns, json_columns)

    return source, returned


def _purged_match(
    spec: ReadSpec, full: SourceResult, live: SourceResult, got: list[dict[str, Any]], limit: object
) -> bool:
    """Whether ``got`` is the result after TTL deleted every expired row, or some of them."""
    return _compare(spec, *live, got) is None or _partly_purged(spec, full, live, got, limit)


def _partly_purged(
    spec: ReadSpec, full: SourceResult, live: SourceResult, got: list[dict[str, Any]], limit: object
) -> bool:
    """Whether ``got`` is the result on a table TTL has purged part-way: all live rows, some expired ones.

    Both source results must be complete (a LIMIT that cut them comes with the
    unlimited rows, see :func:`_source_rows`); the part-way result is built
    from the unlimited rows and cut by the LIMIT again.
    """
    columns, rows, full_rows = full
    every = full_rows if full_rows is not None else rows
    live_every = live[2] if live[2] is not None else live[1]
    cap = limit if isinstance(limit, int) else None
    if cap is not None and ((full_rows is None and len(rows) >= cap) or (live[2] is None and len(live[1]) >= cap)):
        return False  # a LIMIT without ORDER BY: which rows it cut is the database's choice
    source, returned = _normalizers(spec, columns)
    kept = [
        every[i]
        for i in partly_purged([source(r) for r in every], [source(r) for r in live_every], [returned(r) for r in got])
    ]
    cut = kept[:cap] if cap is not None else kept
    return _compare(spec, columns, cut, kept if len(cut) < len(kept) else None, got) is None


def _as_outputs(row: Mapping[str, Any], names: Sequence[str], outputs: Sequence[Output] | None) -> dict[str, Any]:
    """A repository row keyed like the SQL's outputs: a joined table's column is ``table.column`` there."""
    out: dict[str, Any] = {}
    for i, name in enumerate(names):
        origin = outputs[i] if outputs is not None else None
        if origin is None or origin.column is None:
            continue
        qualified = f"{origin.table.name}.{origin.column}" if origin.table is not None else None
        if qualified is not None and qualified in row:
            out[name] = row[qualified]
        elif origin.column in row:
            out[name] = row[origin.column]
    return out


def _read_all(
    repo: Repository, pattern_id: str, params: Mapping[str, Any], page_size: int | None
) -> tuple[list[dict[str, Any]], int, float, list[float], str | None]:
    rows: list[dict[str, Any]] = []
    calls, capacity, latencies = 0, 0.0, list[float]()
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        started = time.perf_counter()
        try:
            page = repo.read(pattern_id, params, limit=page_size, cursor=cursor)
        except Exception as exc:  # a repository crash fails this case, not validate
            return rows, calls, capacity, latencies, f"the repository raised {type(exc).__name__}: {_text(exc)}"
        latencies.append((time.perf_counter() - started) * 1000)
        rows.extend(page.rows)
        calls += page.calls
        capacity += page.consumed_rcu
        cursor = page.cursor
        if cursor is None:
            return rows, calls, capacity, latencies, None
    return rows, calls, capacity, latencies, f"still a cursor after {MAX_PAGES} pages"


def _text(exc: BaseException) -> str:
    return exc.one_line() if isinstance(exc, Sql2DynamoError) else str(exc)


def _count_of(rows: Sequence[Mapping[str, Any]]) -> tuple[int | None, str | None]:
    """The number a COUNT plan returned: the only value of its only row."""
    if len(rows) != 1 or len(rows[0]) != 1:
        shown = [show_row(normalize_row(r, list(r))) for r in rows[:3]]
        return None, f"a COUNT pattern must return one row with one value, got {len(rows)} row(s): {shown}"
    value = next(iter(rows[0].values()))
    if isinstance(value, bool) or not isinstance(value, int):
        return None, f"a COUNT pattern returned {value!r}, not an integer"
    return value, None
