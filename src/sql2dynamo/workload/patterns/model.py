"""The access patterns as data: :class:`AccessPattern`, :class:`PatternsFile`, :class:`Rps`.

Nearly every stage (design, validate, codegen) needs these types but not the
YAML machinery that reads and rewrites ``access_patterns.yaml``; keeping them
apart lets those stages depend on the data alone.  The key and value lists
here are the file's vocabulary, shared by the reader (``patterns_read``) and
the writer (``patterns``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sql2dynamo.common.errors import InputError

CONSISTENCIES = ("eventual", "strong")
SOURCES = ("user", "mined")
DEFAULT_CONSISTENCY = "strong"
PATTERN_KEYS = ("id", "description", "sql", "rps", "consistency", "source", "notes", "evidence", "shape")
TOP_KEYS = ("application", "dialect", "workload_window", "retention_days", "patterns")
FILE_NAME = "access_patterns.yaml"


@dataclass(frozen=True)
class Rps:
    """Requests per second; ``None`` means unknown (never guessed)."""

    avg: float | None = None
    peak: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        """``{avg, peak}`` for YAML."""
        return {"avg": self.avg, "peak": self.peak}


@dataclass(frozen=True)
class AccessPattern:
    """One way the application reads or writes data.

    ``dialect`` is not written per entry: it says how to parse ``sql`` (the
    file's top-level ``dialect``, or the database a pattern was mined from).
    """

    id: str
    description: str
    sql: str
    rps: Rps | None = None
    consistency: str = DEFAULT_CONSISTENCY
    source: str = "user"
    evidence: Mapping[str, Any] | None = None
    shape: Mapping[str, Any] | None = None
    notes: str | None = None
    dialect: str | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The entry as plain data, keys in file order, optional keys only when set."""
        out: dict[str, Any] = {
            "id": self.id,
            "description": self.description,
            "sql": self.sql,
            "rps": self.rps.to_dict() if self.rps is not None else None,
            "consistency": self.consistency,
            "source": self.source,
        }
        if self.notes is not None:
            out["notes"] = self.notes
        if self.evidence is not None:
            out["evidence"] = dict(self.evidence)
        if self.shape is not None:
            out["shape"] = dict(self.shape)
        return out


@dataclass(frozen=True)
class PatternsFile:
    """A whole ``access_patterns.yaml``."""

    application: str
    patterns: tuple[AccessPattern, ...]
    dialect: str | None = None
    workload_window: Mapping[str, Any] | None = None
    # How long rows of a table matter (table -> days): the design gives those items a TTL.
    retention_days: Mapping[str, int] = field(default_factory=dict)

    def by_id(self, pattern_id: str) -> AccessPattern:
        """The pattern called ``pattern_id``; an :class:`InputError` if there is none."""
        for pattern in self.patterns:
            if pattern.id == pattern_id:
                return pattern
        raise InputError(f"no access pattern {pattern_id!r}", pattern_id=pattern_id)
