"""Shadow reads: serve from one side, read the other for a share of requests, compare, count mismatches.

    reader = ShadowReader(repository, engine=engine, patterns={"AP04": "SELECT * FROM users WHERE user_id = :user_id"})
    rows = reader.read("AP04", {"user_id": uid})            # the pattern's SQL on the source
    rows = reader.read("AP04", {"user_id": uid}, source=fn)  # or the application's own query

Routing is deterministic: a request's bucket (0-100) is a hash of the
pattern, its parameters (or ``request_key``) and ``salt``, so one user's
requests always go to the same side and a test sees the same routing every
run; ``seed`` switches to a seeded random draw per request instead.
``read_percent`` (0, 10, 25, 50, 75, 100) of requests are *served* from
DynamoDB (:meth:`Repository.read`, every page); ``shadow_percent`` of
requests also read the other side and compare.  A DynamoDB failure never
fails a read: the source answers and the error is counted.

Rows are compared after the normalization verify uses for items: every value
goes through the model's transform for its column to a DynamoDB attribute
value, then to its canonical form (so ``Decimal('1.50')`` equals ``1.5``, a
``datetime`` its ISO text, and a UUID its hex text).  Only the source row's
columns are compared (the SQL's select list); a NULL equals an absent
attribute.  Rows compare as a multiset, or in order when the SQL has
``ORDER BY``.

``write_primary="dynamodb"`` flips authority for :meth:`ShadowReader.write`:
the Repository write runs first (its errors propagate, nothing reaches the
source), then the application's source write; a failure of the latter is
counted and re-raised.

Counters are thread-safe; :meth:`ShadowReader.record` merges them into the
target's control table (item ``shadow:reads``, one entry per reader name),
where ``sql2dynamo cutover status`` reads the mismatch rate.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import sqlalchemy as sa

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.cutover.phases import load_state, read_percent, write_primary
from sql2dynamo.design.model import DataModel
from sql2dynamo.items.converters import infer
from sql2dynamo.items.values import ValueConverter
from sql2dynamo.runtime.repository import Repository
from sql2dynamo.sync.control import ControlTable, VersionConflict
from sql2dynamo.verify.canonical import canonical

__all__ = [
    "READ_SHARES",
    "SHADOW_ITEM",
    "PatternCounters",
    "ShadowReader",
    "normalize_rows",
    "shadow_totals",
]

T = TypeVar("T")
Row = Mapping[str, Any]
WritePrimary = Literal["source", "dynamodb"]

READ_SHARES = (0, 10, 25, 50, 75, 100)
SHADOW_ITEM = "shadow:reads"
_UUID = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$")
_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)
_COUNTER_NAMES = (
    "reads",
    "served_source",
    "served_dynamodb",
    "compared",
    "mismatches",
    "dynamodb_errors",
    "source_errors",
    "fallbacks",
    "writes",
    "source_write_errors",
)


@dataclass
class PatternCounters:
    """Per-pattern counts (mutated under the reader's lock only)."""

    reads: int = 0
    served_source: int = 0
    served_dynamodb: int = 0
    compared: int = 0
    mismatches: int = 0
    dynamodb_errors: int = 0
    source_errors: int = 0
    fallbacks: int = 0  # served from the source because the DynamoDB read failed
    writes: int = 0
    source_write_errors: int = 0

    def as_dict(self) -> dict[str, int]:
        """JSON-ready."""
        return {name: getattr(self, name) for name in _COUNTER_NAMES}


class ShadowReader:
    """Serves reads from the source or DynamoDB by share, compares the other side, counts mismatches per pattern."""

    def __init__(
        self,
        repository: Repository,
        *,
        engine: sa.Engine | None = None,
        patterns: Mapping[str, str] | None = None,
        model: DataModel | None = None,
        shadow_percent: float = 100.0,
        read_percent: int = 0,
        write_primary: WritePrimary = "source",
        seed: int | None = None,
        salt: str = "",
        name: str = "default",
        reporter: Reporter | None = None,
        max_pages: int = 1000,
        keep_mismatches: int = 20,
    ) -> None:
        """``patterns`` maps pattern ids to their SQL (run on ``engine`` when a read gives no ``source``)."""
        self.repository = repository
        self.engine = engine
        self.patterns = dict(patterns or {})
        self.model = model if model is not None else repository.model
        self.name = name
        self.reporter = reporter
        self.max_pages = max_pages
        self.salt = salt
        self._rng = random.Random(seed) if seed is not None else None
        self._lock = threading.Lock()
        self._counters: dict[str, PatternCounters] = {}
        self._since = time.time()
        self.recent_mismatches: deque[dict[str, Any]] = deque(maxlen=keep_mismatches)
        self._values = ValueConverter()
        self._transforms: dict[str, str] = {}
        for table in self.model.tables:
            for entity in table.entities:
                for attr in entity.attributes:
                    self._transforms.setdefault(attr.source_column, attr.transform)
        self.shadow_percent = 0.0
        self.read_percent = 0
        self.write_primary: WritePrimary = "source"
        self.set_routing(read_percent=read_percent, shadow_percent=shadow_percent, write_primary=write_primary)

    # ------------------------------------------------------------ settings

    def set_routing(
        self,
        *,
        read_percent: int | None = None,
        shadow_percent: float | None = None,
        write_primary: WritePrimary | None = None,
    ) -> None:
        """Change the shares or the authoritative side (takes effect for the next request)."""
        if read_percent is not None:
            if read_percent not in READ_SHARES:
                raise UsageError(
                    f"read share {read_percent}% is not a cut-over step", hint=f"use one of {list(READ_SHARES)}"
                )
            self.read_percent = read_percent
        if shadow_percent is not None:
            if not 0.0 <= shadow_percent <= 100.0:
                raise UsageError(f"shadow share {shadow_percent}% is not between 0 and 100")
            self.shadow_percent = float(shadow_percent)
        if write_primary is not None:
            if write_primary not in ("source", "dynamodb"):
                raise UsageError(f"write primary {write_primary!r} is neither 'source' nor 'dynamodb'")
            self.write_primary = write_primary

    def follow_cutover(self, control: ControlTable) -> str:
        """Set the read share and write primary the cut-over's current phase calls for; returns the phase.

        Call it periodically (or on a signal) so that ``cutover advance`` and
        ``rollback`` reach the application without a deploy.
        """

        phase = load_state(control).phase
        self.set_routing(read_percent=read_percent(phase), write_primary=write_primary(phase))
        return phase

    # ------------------------------------------------------------ reads

    def read(
        self,
        pattern_id: str,
        params: Mapping[str, Any],
        *,
        source: Callable[[], Sequence[Row]] | None = None,
        request_key: str | None = None,
        ordered: bool | None = None,
    ) -> list[dict[str, Any]]:
        """The rows of one read, from the side the routing picks; the other side is compared when sampled."""
        served_bucket, shadow_bucket = self._buckets(pattern_id, params, request_key)
        from_dynamodb = served_bucket < self.read_percent
        shadowed = shadow_bucket < self.shadow_percent
        self._bump(pattern_id, "reads")
        source_rows: list[dict[str, Any]] | None = None
        dynamo_rows: list[dict[str, Any]] | None = None
        tried_dynamodb = from_dynamodb
        if from_dynamodb:
            dynamo_rows = self._dynamo(pattern_id, params)
            if dynamo_rows is None:
                self._bump(pattern_id, "fallbacks")
                from_dynamodb = False
        if not from_dynamodb or shadowed:
            source_rows = self._source(pattern_id, params, source, must=not from_dynamodb)
        if shadowed and not tried_dynamodb:
            dynamo_rows = self._dynamo(pattern_id, params)
        if source_rows is not None and dynamo_rows is not None:
            self._compare(pattern_id, params, source_rows, dynamo_rows, ordered)
        self._bump(pattern_id, "served_dynamodb" if from_dynamodb else "served_source")
        served = dynamo_rows if from_dynamodb else source_rows
        assert served is not None
        return served

    def _buckets(self, pattern_id: str, params: Mapping[str, Any], request_key: str | None) -> tuple[float, float]:
        if self._rng is not None:
            with self._lock:
                return self._rng.random() * 100.0, self._rng.random() * 100.0
        key = request_key if request_key is not None else json.dumps(dict(params), sort_keys=True, default=str)
        digest = hashlib.sha256(f"{self.salt}|{pattern_id}|{key}".encode()).digest()
        return int.from_bytes(digest[:4]) % 10000 / 100.0, int.from_bytes(digest[4:8]) % 10000 / 100.0

    def _source(
        self, pattern_id: str, params: Mapping[str, Any], source: Callable[[], Sequence[Row]] | None, *, must: bool
    ) -> list[dict[str, Any]] | None:
        try:
            if source is not None:
                return [dict(r) for r in source()]
            sql = self.patterns.get(pattern_id)
            if sql is None or self.engine is None:
                raise UsageError(
                    f"no source read for {pattern_id}", hint="pass source=... or the pattern's SQL and an engine"
                )
            with self.engine.connect() as conn:
                return [dict(r) for r in conn.execute(sa.text(sql), dict(params)).mappings()]
        except Exception:
            self._bump(pattern_id, "source_errors")
            if must:
                raise
            return None

    def _dynamo(self, pattern_id: str, params: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        try:
            for _ in range(self.max_pages):
                page = self.repository.read(pattern_id, params, cursor=cursor)
                rows.extend(dict(r) for r in page.rows)
                cursor = page.cursor
                if cursor is None:
                    return rows
        except Exception as exc:  # a shadow read must never fail the application's read
            self._bump(pattern_id, "dynamodb_errors")
            if self.reporter is not None:
                self.reporter.warning(f"shadow read {pattern_id}: DynamoDB failed: {type(exc).__name__}: {exc}")
            return None
        return rows  # more pages than max_pages: compared as far as read

    def _compare(
        self,
        pattern_id: str,
        params: Mapping[str, Any],
        source_rows: list[dict[str, Any]],
        dynamo_rows: list[dict[str, Any]],
        ordered: bool | None,
    ) -> None:
        if ordered is None:
            sql = self.patterns.get(pattern_id)
            ordered = bool(sql and _ORDER_BY.search(sql))
        columns = list(dict.fromkeys(c for r in source_rows for c in r))
        left = normalize_rows(source_rows, columns, self._transforms, self._values)
        right = normalize_rows(dynamo_rows, columns, self._transforms, self._values)
        if not ordered:
            left, right = sorted(left, key=_sort_key), sorted(right, key=_sort_key)
        same = left == right
        with self._lock:
            c = self._counters.setdefault(pattern_id, PatternCounters())
            c.compared += 1
            if not same:
                c.mismatches += 1
                self.recent_mismatches.append(
                    {
                        "pattern_id": pattern_id,
                        "params": {k: str(v) for k, v in params.items()},
                        "source": left[:5],
                        "dynamodb": right[:5],
                    }
                )

    # ------------------------------------------------------------ writes

    def write(self, pattern_id: str, params: Mapping[str, Any], *, source: Callable[[], T]) -> T:
        """Run a write on the authoritative side first (``write_primary``), then the other when DynamoDB leads.

        With the source primary this is just ``source()`` (dual-write mirrors
        it).  With DynamoDB primary, :meth:`Repository.write` runs first and
        its errors propagate untouched; then ``source()`` keeps the source in
        step for a rollback, and its failure is counted and re-raised.
        """
        self._bump(pattern_id, "writes")
        if self.write_primary == "source":
            return source()
        self.repository.write(pattern_id, params)
        try:
            return source()
        except Exception:
            self._bump(pattern_id, "source_write_errors")
            raise

    # ------------------------------------------------------------ counters

    def _bump(self, pattern_id: str, name: str) -> PatternCounters:
        with self._lock:
            c = self._counters.setdefault(pattern_id, PatternCounters())
            setattr(c, name, getattr(c, name) + 1)
            return c

    def counters(self) -> dict[str, dict[str, int]]:
        """Pattern id -> counts, a consistent copy."""
        with self._lock:
            return {p: c.as_dict() for p, c in sorted(self._counters.items())}

    def totals(self) -> dict[str, int]:
        """Counts summed over patterns."""
        out = dict.fromkeys(_COUNTER_NAMES, 0)
        for counts in self.counters().values():
            for name, n in counts.items():
                out[name] += n
        return out

    def reset(self) -> None:
        """Start counting afresh (after a catch-up, say); the next :meth:`record` replaces the stored counts."""
        with self._lock:
            self._counters.clear()
            self.recent_mismatches.clear()
            self._since = time.time()

    def snapshot(self) -> dict[str, Any]:
        """What :meth:`record` stores for this reader."""
        return {
            "since": self._since,
            "updated_at": time.time(),
            "read_percent": self.read_percent,
            "shadow_percent": self.shadow_percent,
            "write_primary": self.write_primary,
            "patterns": self.counters(),
            "totals": self.totals(),
        }

    def record(self, control: ControlTable, *, attempts: int = 5) -> dict[str, Any]:
        """Merge this reader's counts into the control item ``shadow:reads`` (optimistically, retried)."""

        for attempt in range(attempts):
            current = control.get(SHADOW_ITEM)
            version = int(current["_version"]) if current else 0
            readers = dict(current.get("readers", {})) if current else {}
            readers[self.name] = self.snapshot()
            doc = {"readers": readers}
            try:
                control.put(SHADOW_ITEM, doc, expected_version=version)
                return doc
            except VersionConflict:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")


def normalize_rows(
    rows: Sequence[Row], columns: Sequence[str], transforms: Mapping[str, str], values: ValueConverter
) -> list[list[Any]]:
    """Each row as ``[[column, canonical value], ...]`` over ``columns`` (NULL and absent both become None)."""
    return [[[c, _normalize(row.get(c), transforms.get(c), values)] for c in columns] for row in rows]


def _normalize(value: Any, transform: str | None, values: ValueConverter) -> Any:
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return ["S", str(value)]
    if isinstance(value, str) and _UUID.match(value):
        return ["S", str(uuid.UUID(value))]
    try:
        av = values.convert(transform, value) if transform else infer(value)
    except Exception:  # no rule for this value: compare it as it is
        return ["raw", repr(value)]
    if av is None:
        return None
    out = canonical(av)
    if out[0] == "S" and _UUID.match(out[1]):
        out = ["S", str(uuid.UUID(out[1]))]
    return out


def _sort_key(row: list[Any]) -> str:
    # None and lists do not compare: order rows by their JSON text instead.
    return json.dumps(row, sort_keys=True, default=str)


def shadow_totals(doc: Mapping[str, Any] | None) -> dict[str, Any]:
    """The counts of every reader recorded in a ``shadow:reads`` document, summed; with the mismatch rate."""
    totals = dict.fromkeys(_COUNTER_NAMES, 0)
    readers = dict(doc.get("readers", {})) if doc else {}
    for snap in readers.values():
        for name, n in dict(snap.get("totals", {})).items():
            if name in totals:
                totals[name] += int(n)
    compared = totals["compared"]
    return {
        **totals,
        "readers": sorted(readers),
        "mismatch_rate": (totals["mismatches"] / compared) if compared else None,
    }
