"""What validate found, per case and per pattern, as frozen dataclasses with JSON-ready views."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sql2dynamo.common.text import shorten

Status = Literal["pass", "fail", "unsupported"]


def jsonable(value: Any) -> Any:
    """A parameter value as JSON can hold it (dates as ISO text, Decimals as text, bytes as hex)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time | dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return repr(value)


@dataclass(frozen=True)
class CaseResult:
    """One run of one pattern with one set of parameter values."""

    label: str
    params: dict[str, Any]
    ok: bool
    expected: int  # rows (reads), affected rows (writes), or the count (COUNT reads)
    actual: int
    calls: int
    capacity: float
    latencies_ms: tuple[float, ...]
    difference: dict[str, Any] | None = None  # reason, position, first differing expected/actual rows
    # The WHERE conjuncts no key enforces -> "true", "false", "true+false" or "no rows" among the case's rows.
    conjuncts: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "label": self.label,
            "conjuncts": dict(self.conjuncts),
            "params": jsonable(self.params),
            "ok": self.ok,
            "expected": self.expected,
            "actual": self.actual,
            "calls": self.calls,
            "capacity": round(self.capacity, 3),
            "difference": jsonable(self.difference) if self.difference is not None else None,
        }


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class PatternResult:
    """One access pattern: its verdict and its cases."""

    pattern_id: str
    description: str
    kind: Literal["read", "write"]
    status: Status
    cases: tuple[CaseResult, ...]
    reason: str = ""  # unsupported: the design's reason; fail: the first failing case's reason
    alternative: str | None = None

    @property
    def calls(self) -> int:
        """DynamoDB calls over all cases."""
        return sum(c.calls for c in self.cases)

    @property
    def capacity(self) -> float:
        """Consumed capacity units (RCU for reads, WCU for writes) over all cases."""
        return sum(c.capacity for c in self.cases)

    def conjunct_coverage(self) -> dict[str, tuple[str, ...]]:
        """Per non-key conjunct, the truth values its cases exercised (``true``, ``false``), sorted."""
        out: dict[str, set[str]] = {}
        for case in self.cases:
            for text, outcome in case.conjuncts.items():
                seen = out.setdefault(text, set())
                seen.update(o for o in outcome.split("+") if o in ("true", "false"))
        return {text: tuple(sorted(seen)) for text, seen in out.items()}

    def latency_ms(self, q: float) -> float | None:
        """The ``q`` quantile of the repository calls' latency."""
        return percentile([x for c in self.cases for x in c.latencies_ms], q)

    def row(self) -> list[Any]:
        """The summary table's row."""
        p50, p99 = self.latency_ms(0.5), self.latency_ms(0.99)
        passed = sum(c.ok for c in self.cases)
        return [
            self.pattern_id,
            self.kind,
            self.status.upper() if self.status == "fail" else self.status,
            f"{passed}/{len(self.cases)}",
            self.calls,
            round(self.capacity, 2),
            round(p50, 1) if p50 is not None else "-",
            round(p99, 1) if p99 is not None else "-",
            shorten(self.reason if self.status != "pass" else self.description, 80),
        ]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, every case included."""
        p50, p99 = self.latency_ms(0.5), self.latency_ms(0.99)
        return {
            "pattern_id": self.pattern_id,
            "description": self.description,
            "kind": self.kind,
            "status": self.status,
            "reason": self.reason,
            "alternative": self.alternative,
            "calls": self.calls,
            "capacity": round(self.capacity, 3),
            "latency_ms": {"p50": p50, "p99": p99},
            "conjuncts": {text: list(seen) for text, seen in self.conjunct_coverage().items()},
            "cases": [c.as_dict() for c in self.cases],
        }


SUMMARY_COLUMNS = ("pattern", "kind", "status", "cases ok", "calls", "capacity", "p50 ms", "p99 ms", "note")
