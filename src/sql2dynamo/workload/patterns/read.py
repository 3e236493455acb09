"""Reading ``access_patterns.yaml`` strictly: every problem is an error naming line and fix.

Per pattern: ``id`` and ``sql`` are required; ``description`` (default
empty), ``rps`` (``null`` or ``{avg, peak}``, each a number >= 0 or
``null``), ``consistency`` (default ``strong``: what a relational database
gives today; say ``eventual`` to allow cheaper reads), ``source``, ``notes``
(free text), and the informational ``evidence`` and ``shape`` mappings that
mining writes.  Unknown keys are errors, so that a typo (``consistancy``)
cannot silently change the model.

Separate from the writer in ``patterns`` because validation is a self-contained
set of rules over plain YAML data, while merging is about preserving layout
with ruamel's round trip; the writer only calls :func:`parse_patterns`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from sql2dynamo.common.errors import InputError, Sql2DynamoError
from sql2dynamo.source.dialects import get_dialect
from sql2dynamo.workload.patterns.model import (
    CONSISTENCIES,
    DEFAULT_CONSISTENCY,
    FILE_NAME,
    PATTERN_KEYS,
    SOURCES,
    TOP_KEYS,
    AccessPattern,
    PatternsFile,
    Rps,
)
from sql2dynamo.workload.patterns.yamlio import item_line, key_line, load_yaml, load_yaml_fast, plain


def load_patterns(path: Path | str) -> PatternsFile:
    """Read and validate a patterns file.

    Every problem raises an :class:`InputError` that names the file, the
    line, the pattern id and the fix.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"{path}: no such patterns file",
            hint="run `sql2dynamo analyze --workload` to mine one, or write it by hand",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the patterns file: {exc}") from None
    return parse_patterns(text, source=str(path))


def parse_patterns(text: str, *, source: str = FILE_NAME) -> PatternsFile:
    """Validate the text of a patterns file (see :func:`load_patterns`).

    The file is read with libyaml first (fast: thousands of patterns); only when
    it has a problem is it read again with the round-trip loader, whose nodes
    know their lines, so the error names the line.
    """
    try:
        fast = load_yaml_fast(text)
    except YAMLError:
        fast = _UNREAD
    if fast is not _UNREAD:
        try:
            return _parse_doc(fast, source)
        except InputError:
            pass
    return _parse_doc(load_yaml(text, source), source)


_UNREAD = object()


def _parse_doc(doc: Any, source: str) -> PatternsFile:
    if doc is None:
        raise InputError(f"{source}: the file is empty", hint="start it with `application: NAME` and `patterns:`")
    if not isinstance(doc, Mapping):
        raise InputError(f"{source}: line 1: expected a mapping with `application` and `patterns`")
    for key in doc:
        if key not in TOP_KEYS:
            raise InputError(
                f"{source}: line {key_line(doc, key)}: unknown top-level key {key!r}",
                hint=f"the top level may hold: {', '.join(TOP_KEYS)}",
            )
    application = doc.get("application")
    if not isinstance(application, str) or not application.strip():
        raise InputError(f"{source}: missing `application`", hint="add `application: <name>` at the top")
    dialect = doc.get("dialect")
    if dialect is not None:
        try:
            dialect = get_dialect(str(dialect)).name
        except Sql2DynamoError as exc:
            line = key_line(doc, "dialect")
            raise InputError(f"{source}: line {line}: {exc.message}", hint=exc.hint) from None
    raw_patterns = doc.get("patterns", None)
    if "patterns" not in doc:
        raise InputError(f"{source}: missing `patterns`", hint="add `patterns:` with a list of patterns")
    if raw_patterns is None:
        raw_patterns = []
    if not isinstance(raw_patterns, list):
        raise InputError(
            f"{source}: line {key_line(doc, 'patterns')}: `patterns` must be a list",
            hint="write each pattern as a list item starting with `- id: ...`",
        )
    window = doc.get("workload_window")
    retention = doc.get("retention_days") or {}
    if not isinstance(retention, Mapping) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v > 0 for k, v in retention.items()
    ):
        raise InputError(
            f"{source}: line {key_line(doc, 'retention_days')}: `retention_days` must map table names "
            "to a whole number of days",
            hint="write e.g. `retention_days: {usage_logs: 90}`",
        )
    patterns: list[AccessPattern] = []
    seen: dict[str, int] = {}
    problems: list[InputError] = []  # every pattern is checked: the user fixes them all in one pass
    for index, entry in enumerate(raw_patterns):
        try:
            pattern = _pattern(entry, index, raw_patterns, source, dialect)
        except InputError as exc:
            problems.append(exc)
            continue
        line = item_line(raw_patterns, index)
        if pattern.id in seen:
            problems.append(
                InputError(
                    f"{source}: line {line}: pattern id {pattern.id} is used twice (first on line {seen[pattern.id]})",
                    hint="give each pattern its own id",
                    pattern_id=pattern.id,
                )
            )
            continue
        seen[pattern.id] = line
        patterns.append(pattern)
    if problems:
        raise _all_of(problems, source)
    return PatternsFile(
        application=application,
        patterns=tuple(patterns),
        dialect=dialect,
        workload_window=plain(window) if isinstance(window, Mapping) else None,
        retention_days={str(k): int(v) for k, v in retention.items()},
    )


def _all_of(problems: list[InputError], source: str) -> InputError:
    """One error for every problem found (itself when there is one), each with its line and fix."""
    if len(problems) == 1:
        return problems[0]
    prefix = f"{source}: "
    parts = [p.message.removeprefix(prefix) + (f" ({p.hint})" if p.hint else "") for p in problems]
    return InputError(
        f"{source}: {len(problems)} problems: " + "; ".join(parts),
        hint="fix each of them, then run the command again",
        pattern_id=problems[0].context.pattern_id,
    )


def _pattern(entry: Any, index: int, items: Any, source: str, dialect: str | None) -> AccessPattern:
    line = item_line(items, index)
    if not isinstance(entry, Mapping):
        raise InputError(
            f"{source}: line {line}: pattern #{index + 1} is not a mapping",
            hint="write each pattern as `- id: ...` followed by its keys",
        )
    raw_id = entry.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
        raise InputError(
            f"{source}: line {line}: pattern #{index + 1} has no id",
            hint=f"add `id: AP{index + 1:02d}` (any name unique in the file)",
        )
    pid = str(raw_id).strip()

    def fail(key: str, problem: str, hint: str) -> InputError:
        return InputError(
            f"{source}: line {key_line(entry, key, line)}: pattern {pid}: {problem}",
            hint=hint,
            pattern_id=pid,
        )

    for key in entry:
        if key not in PATTERN_KEYS:
            raise fail(key, f"unknown key {key!r}", f"a pattern may hold: {', '.join(PATTERN_KEYS)}")
    sql = entry.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise fail("sql", "missing `sql`", "add the statement, parameters as :name, e.g. `sql: SELECT ...`")
    description = entry.get("description")
    if description is None:
        description = ""
    if not isinstance(description, str):
        raise fail("description", "`description` must be text", "write a short sentence")
    consistency = entry.get("consistency", DEFAULT_CONSISTENCY)
    if consistency not in CONSISTENCIES:
        raise fail("consistency", f"consistency is {consistency!r}", "use `eventual` or `strong`")
    origin = entry.get("source", "user")
    if origin not in SOURCES:
        raise fail("source", f"source is {origin!r}", "use `user` (written by hand) or `mined`")
    notes = entry.get("notes")
    if notes is not None and not isinstance(notes, str):
        raise fail("notes", "`notes` must be text", "write notes as a string")
    extras: dict[str, Mapping[str, Any] | None] = {}
    for key in ("evidence", "shape"):
        value = entry.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise fail(key, f"`{key}` must be a mapping", f"remove `{key}` or let mining write it")
        extras[key] = plain(value) if value is not None else None
    return AccessPattern(
        id=pid,
        description=description.strip(),
        sql=sql.strip(),
        rps=_rps(entry.get("rps"), fail),
        consistency=str(consistency),
        source=str(origin),
        evidence=extras["evidence"],
        shape=extras["shape"],
        notes=notes,
        dialect=dialect,
    )


MAX_RPS = 1e9
"""The largest request rate a pattern may claim (far beyond any DynamoDB table's; a typo past it is refused)."""


def _rps(value: Any, fail: Any) -> Rps | None:
    hint = "write `rps: {avg: 20, peak: 80}` (numbers; null where unknown) or `rps: null`"
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise fail("rps", f"rps is {plain(value)!r}, not a mapping", hint)
    numbers: dict[str, float | None] = {}
    for key in value:
        if key not in ("avg", "peak"):
            raise fail("rps", f"unknown rps key {key!r}", hint)
    for key in ("avg", "peak"):
        number = value.get(key)
        if number is not None and (isinstance(number, bool) or not isinstance(number, int | float)):
            raise fail("rps", f"rps.{key} is {plain(number)!r}, not a number", hint)
        if number is not None and number < 0:
            raise fail("rps", f"rps.{key} is negative", hint)
        if number is not None and not (math.isfinite(number) and number <= MAX_RPS):
            # NaN or infinity would reach data_model.json and the cost arithmetic; 1e30 overflows it
            raise fail("rps", f"rps.{key} is {plain(number)!r}, not a finite rate up to {MAX_RPS:,.0f}", hint)
        numbers[key] = float(number) if number is not None else None
    return Rps(avg=numbers["avg"], peak=numbers["peak"])
