"""The ``access_patterns.yaml`` file: reading it strictly, merging mined patterns into it gently.

Every later stage reads this file and users write it by hand::

    application: chinook
    dialect: postgresql            # optional: the SQL dialect of the statements
    patterns:
      - id: AP01
        description: Get a customer by email at login
        sql: SELECT * FROM customer WHERE email = :email
        rps: {avg: 20, peak: 80}   # null = unknown, blocks the modeling gate later
        consistency: eventual      # eventual | strong (default strong)
        source: user               # user | mined (default user)

Per pattern: ``id`` and ``sql`` are required; ``description`` (default
empty), ``rps`` (``null`` or ``{avg, peak}``, each a number >= 0 or
``null``), ``consistency`` (default ``strong``: what a relational database
gives today; say ``eventual`` to allow cheaper reads), ``source``, ``notes``
(free text), and the informational ``evidence`` and ``shape`` mappings that
mining writes.  Unknown keys are errors, so that a typo (``consistancy``)
cannot silently change the model.

:func:`merge_mined` rewrites the file with ruamel.yaml's round trip, so
comments, key order, quoting and flow style of what is already there are
kept; ``source: user`` entries are never modified.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from sql2dynamo.errors import InputError, Sql2DynamoError
from sql2dynamo.source.dialects import get_dialect
from sql2dynamo.workload._yamlio import (
    blank_line_between_entries,
    dump,
    flow_map,
    flow_value,
    item_line,
    key_line,
    load_yaml,
    load_yaml_fast,
    new_yaml,
    plain,
    round_trip,
    split_tail,
)
from sql2dynamo.workload.normalize import fingerprint

CONSISTENCIES = ("eventual", "strong")
SOURCES = ("user", "mined")
DEFAULT_CONSISTENCY = "strong"
PATTERN_KEYS = ("id", "description", "sql", "rps", "consistency", "source", "notes", "evidence", "shape")
TOP_KEYS = ("application", "dialect", "workload_window", "retention_days", "patterns")
FILE_NAME = "access_patterns.yaml"

_MINED_ID = re.compile(r"^M(\d+)$")


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


# ------------------------------------------------------------------------- reading


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
    for index, entry in enumerate(raw_patterns):
        pattern = _pattern(entry, index, raw_patterns, source, dialect)
        line = item_line(raw_patterns, index)
        if pattern.id in seen:
            raise InputError(
                f"{source}: line {line}: pattern id {pattern.id} is used twice (first on line {seen[pattern.id]})",
                hint="give each pattern its own id",
                pattern_id=pattern.id,
            )
        seen[pattern.id] = line
        patterns.append(pattern)
    return PatternsFile(
        application=application,
        patterns=tuple(patterns),
        dialect=dialect,
        workload_window=plain(window) if isinstance(window, Mapping) else None,
        retention_days={str(k): int(v) for k, v in retention.items()},
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
        numbers[key] = float(number) if number is not None else None
    return Rps(avg=numbers["avg"], peak=numbers["peak"])


# ------------------------------------------------------------------------- writing


def _shape_node(shape: Mapping[str, Any]) -> CommentedMap:
    """A block mapping whose lists and mappings are one line each."""
    node = CommentedMap()
    for key, value in shape.items():
        node[key] = flow_value(value)
    return node


def _entry_values(pattern: AccessPattern) -> dict[str, Any]:
    data = pattern.to_dict()
    if data.get("rps") is not None:
        data["rps"] = flow_map(data["rps"])
    if "evidence" in data:
        data["evidence"] = flow_map(data["evidence"])
    if "shape" in data:
        data["shape"] = _shape_node(data["shape"])
    return data


def _entry(pattern: AccessPattern) -> CommentedMap:
    node = CommentedMap()
    for key, value in _entry_values(pattern).items():
        node[key] = value
    return node


def _window_of(mined: Sequence[AccessPattern]) -> dict[str, Any] | None:
    """The observation window the mined evidence shares, as ``workload_window``."""
    for pattern in mined:
        ev = pattern.evidence or {}
        if "origin" not in ev:
            continue
        window: dict[str, Any] = {}
        if ev.get("window"):
            start, _, end = str(ev["window"]).partition("/")
            window["start"], window["end"] = start, end
        window["seconds"] = ev.get("window_seconds")
        window["origin"] = ev["origin"]
        return window
    return None


def dump_patterns(patterns_file: PatternsFile) -> str:
    """A new patterns file for ``patterns_file`` (nothing to preserve)."""
    doc = CommentedMap()
    doc["application"] = patterns_file.application
    if patterns_file.dialect:
        doc["dialect"] = patterns_file.dialect
    if patterns_file.workload_window:
        doc["workload_window"] = flow_map(patterns_file.workload_window)
    doc["patterns"] = CommentedSeq([_entry(p) for p in patterns_file.patterns])
    return dump(new_yaml(), doc)


def merge_mined(
    existing: str | Path | None,
    mined: Sequence[AccessPattern],
    application: str,
    *,
    dialect_name: str | None = None,
) -> str:
    """The text of ``access_patterns.yaml`` with ``mined`` patterns merged in.

    ``existing`` is the current file's text, a :class:`Path` to it (a missing
    file counts as none), or ``None``.  An existing pattern whose SQL has the
    same :func:`~sql2dynamo.workload.normalize.fingerprint` as a mined one is
    updated (``rps``, ``evidence``, ``shape``) only if it is ``source: mined``;
    ``source: user`` entries are never touched, comments and layout are kept.
    New statements are appended as ``M001``, ``M002``... after the highest
    ``M`` id; mined entries no longer observed stay.  The dialect for
    fingerprints is ``dialect_name``, else the mined patterns', else the
    file's.  The file's own ``application`` is kept (``application`` names a
    new file).  A broken file raises :class:`InputError` and is not
    rewritten.  Same inputs give the same bytes; the caller writes the text
    (``fsutil.atomic_write_text``).
    """
    text = _existing_text(existing) or ""
    dialect = dialect_name or next((p.dialect for p in mined if p.dialect), None)
    # Comments closing the file would end up between the old entries and the
    # appended ones (ruamel attaches them to the last entry): set them aside.
    body, tail = split_tail(text)
    head = ""
    if body.strip():
        current = parse_patterns(text, source=str(existing) if isinstance(existing, Path) else FILE_NAME)
        dialect = dialect or current.dialect
        yaml, doc = round_trip(body)
        if doc.get("patterns") is None:
            doc["patterns"] = CommentedSeq()
    else:
        current = PatternsFile(application=application, patterns=())
        yaml, doc = new_yaml(), CommentedMap(application=application, patterns=CommentedSeq())
        head, tail = tail, ""  # a file of comments only: they stay on top
    _set_header(doc, dialect, _window_of(mined))

    entries: CommentedSeq = doc["patterns"]
    by_fingerprint: dict[str, list[Any]] = {}
    for entry, pattern in zip(entries, current.patterns, strict=True):
        by_fingerprint.setdefault(_fingerprint(pattern.sql, dialect), []).append(entry)
    next_number = 1 + max((int(m[1]) for p in current.patterns if (m := _MINED_ID.match(p.id))), default=0)
    new_entries: list[CommentedMap] = []
    for pattern in mined:
        key = _fingerprint(pattern.sql, dialect)
        if key in by_fingerprint:
            for entry in by_fingerprint[key]:
                if entry.get("source") == "mined":
                    _update(entry, pattern)
            continue
        node = _entry(_as_mined(pattern, f"M{next_number:03d}"))
        next_number += 1
        new_entries.append(node)
        by_fingerprint[key] = [node]  # a repeat in `mined` would only overwrite it: leave the first

    if new_entries and entries.fa.flow_style():
        entries.fa.set_block_style()  # `patterns: []` grows into a normal list
    before = dump(yaml, doc)
    entries.extend(new_entries)
    after = dump(yaml, doc)
    if new_entries and after.startswith(before) and blank_line_between_entries(body):
        # Keep the file's habit of a blank line between entries for the new ones too.
        added = after[len(before) :]
        dash = added[: len(added) - len(added.lstrip(" "))] + "- "
        after = before + re.sub(rf"(?m)^{re.escape(dash)}", lambda m: "\n" + m[0], added)
    return head + after + tail


def _as_mined(pattern: AccessPattern, pattern_id: str) -> AccessPattern:
    return replace(pattern, id=pattern_id, source="mined")


def _set_header(doc: CommentedMap, dialect: str | None, window: dict[str, Any] | None) -> None:
    """``dialect`` (if the file has none) and ``workload_window`` (if it changed), before ``patterns``."""
    if dialect and "dialect" not in doc:
        doc.insert(list(doc).index("application") + 1 if "application" in doc else 0, "dialect", dialect)
    if window is not None and plain(doc.get("workload_window")) != window:
        if "workload_window" in doc:
            doc["workload_window"] = flow_map(window)
        else:
            doc.insert(list(doc).index("patterns"), "workload_window", flow_map(window))


def _existing_text(existing: str | Path | None) -> str | None:
    if isinstance(existing, Path):
        try:
            return existing.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{existing}: cannot read the patterns file: {exc}") from None
    return existing


def _fingerprint(sql: str, dialect: str | None) -> str:
    if dialect:
        try:
            return fingerprint(sql, dialect)
        except InputError:
            pass  # a hand-written statement we cannot parse simply matches nothing mined
    return "text:" + " ".join(sql.lower().split())


def _update(entry: Any, pattern: AccessPattern) -> None:
    """Refresh a mined entry's numbers in place, touching only what changed."""
    fresh = _entry_values(pattern)
    for key in ("rps", "evidence", "shape"):
        if key not in fresh:
            continue
        if plain(entry.get(key)) != plain(fresh[key]):
            entry[key] = fresh[key]
