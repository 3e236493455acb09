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

Reading is strict: unknown keys are errors, so that a typo (``consistancy``)
cannot silently change the model (the per-key rules are in ``patterns_read``).

:func:`merge_mined` rewrites the file with ruamel.yaml's round trip, so
comments, key order, quoting and flow style of what is already there are
kept; ``source: user`` entries are never modified.

The types live in ``patterns_model`` and strict reading in ``patterns_read``;
this module writes and merges, and re-exports the rest so that
``sql2dynamo.workload.patterns.write`` stays the one import for callers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from sql2dynamo.common.errors import InputError
from sql2dynamo.workload.normalize import fingerprint
from sql2dynamo.workload.patterns.model import (
    FILE_NAME,
    AccessPattern,
    PatternsFile,
)
from sql2dynamo.workload.patterns.read import parse_patterns
from sql2dynamo.workload.patterns.yamlio import (
    blank_line_between_entries,
    dump,
    flow_map,
    flow_value,
    new_yaml,
    plain,
    round_trip,
    split_tail,
)

__all__ = ["dump_patterns", "merge_mined"]

_MINED_ID = re.compile(r"^M(\d+)$")


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
