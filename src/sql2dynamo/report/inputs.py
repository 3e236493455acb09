"""The optional inputs of the report: the JSON files ``validate``, ``verify`` and ``migrate`` write.

Each is read strictly enough that a wrong file fails here with one line
naming it and the command that writes the right one (``InputError``, exit 4),
never halfway through rendering: a missing file, text that is not JSON, the
file of another command, or a field of the wrong type.

Accepted: ``validate --report`` (every case, so failed cases show their
rows) or ``--summary`` (verdicts only); ``verify --report`` (every key) or
``--summary`` (counts only); ``migrate --summary``.  A caller holding the
results in memory (the demo) passes the same dictionaries directly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sql2dynamo.common.errors import InputError
from sql2dynamo.report.data import (
    DifferenceView,
    FailedCase,
    MigratedTable,
    MigrationView,
    PatternCheck,
    RejectView,
    ValidationView,
    VerificationView,
    VerifiedTable,
)

JsonInput = Path | Mapping[str, Any] | None
"""A JSON file, its already-parsed content, or nothing."""

MAX_REJECTS = 50
MAX_DIFFERENCES = 50
MAX_FAILED_CASES = 5
MAX_ROWS_SHOWN = 5
MAX_TEXT = 2000

_WRITTEN_BY = {
    "validate": "sql2dynamo validate ... --report FILE.json (or --summary)",
    "verify": "sql2dynamo verify ... --report FILE.json (or --summary)",
    "migrate": "sql2dynamo migrate ... --summary FILE.json",
}


class _Bad(Exception):
    """A field of the wrong shape; turned into an InputError naming the file."""


def load_json(command: str, given: JsonInput) -> tuple[str, dict[str, Any]] | None:
    """``(where, content)`` of one input, checked to be ``command``'s JSON; None when not given."""
    if given is None:
        return None
    hint = f"pass the file written by `{_WRITTEN_BY[command]}`"
    if isinstance(given, Path):
        where = str(given)
        try:
            text = given.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"--{command} {given} does not exist", hint=hint) from None
        except IsADirectoryError:
            raise InputError(f"--{command} {given} is a directory, not a JSON file", hint=hint) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read --{command} {given} ({exc})", hint=hint) from None
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"--{command} {given} is not valid JSON ({exc.msg} at line {exc.lineno})", hint=hint
            ) from None
    else:
        where, data = f"the {command} result", dict(given)
    if not isinstance(data, dict):
        raise InputError(f"--{command} {where} is not a {command} report (its JSON is not an object)", hint=hint)
    found = data.get("command")
    if found != command:
        what = f"the output of `{found}`" if isinstance(found, str) else "not written by sql2dynamo"
        raise InputError(f"--{command} {where} is {what}, not a {command} report", hint=hint)
    return where, data


def _fail(command: str, where: str, problem: str) -> InputError:
    return InputError(
        f"--{command} {where} is malformed: {problem}", hint=f"pass the file written by `{_WRITTEN_BY[command]}`"
    )


def _get(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...], *, optional: bool = False) -> Any:
    value = data.get(key)
    if value is None and optional:
        return None
    # bool is an int in Python: a count of True is a malformed file, not 1
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise _Bad(f"{key!r} should be {_kind_name(kind)}, not {type(value).__name__}")
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {int: "a number", float: "a number", str: "text", bool: "true or false", list: "a list", dict: "an object"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in _as_tuple(kind)))


def _num(data: Mapping[str, Any], key: str, *, optional: bool = False) -> Any:
    return _get(data, key, (int, float), optional=optional)


def _objects(data: Mapping[str, Any], key: str, *, optional: bool = False) -> list[dict[str, Any]]:
    value = _get(data, key, list, optional=optional)
    if value is None:
        return []
    for n, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise _Bad(f"{key}[{n}] should be an object, not {type(entry).__name__}")
    return list(value)


def show_value(value: Any) -> str:
    """A JSON value as one line of text (text as it is, anything else as compact sorted JSON), capped."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# ------------------------------------------------------------------ validate


def parse_validate(given: JsonInput) -> tuple[ValidationView, dict[str, PatternCheck]] | None:
    """The run's facts and each pattern's check, from ``validate``'s report or summary."""
    loaded = load_json("validate", given)
    if loaded is None:
        return None
    where, data = loaded
    try:
        checks: dict[str, PatternCheck] = {}
        for p in _objects(data, "patterns"):
            pid = _get(p, "pattern_id", str)
            checks[pid] = _pattern_check(p)
        counts = _get(data, "counts", dict, optional=True) or {}
        view = ValidationView(
            source=str(data.get("source") or ""),
            target=str(data.get("target") or ""),
            strategy=data["strategy"] if isinstance(data.get("strategy"), str) else None,
            ok=bool(data.get("ok", True)),
            passed=int(counts.get("pass", sum(c.status == "pass" for c in checks.values()))),
            failed=int(counts.get("fail", sum(c.status == "fail" for c in checks.values()))),
            unsupported=int(counts.get("unsupported", sum(c.status == "unsupported" for c in checks.values()))),
        )
    except (_Bad, TypeError, ValueError) as exc:
        raise _fail("validate", where, str(exc)) from None
    return view, checks


def _pattern_check(p: Mapping[str, Any]) -> PatternCheck:
    status = _get(p, "status", str)
    if status not in ("pass", "fail", "unsupported"):
        raise _Bad(f"pattern {p.get('pattern_id')}: status {status!r} is not pass, fail or unsupported")
    raw_cases = p.get("cases")
    cases: list[dict[str, Any]] = []
    if isinstance(raw_cases, list):
        cases = _objects(p, "cases")
        count, ok = len(cases), sum(bool(c.get("ok")) for c in cases)
    elif isinstance(raw_cases, int) and not isinstance(raw_cases, bool):
        count, ok = raw_cases, (raw_cases if status == "pass" else 0)  # a summary counts cases, no verdicts
    else:
        raise _Bad(f"pattern {p.get('pattern_id')}: 'cases' should be a list or a number")
    latency = _get(p, "latency_ms", dict, optional=True) or {}
    failures = tuple(_failed_case(c) for c in cases if not c.get("ok"))[:MAX_FAILED_CASES]
    return PatternCheck(
        status=status,
        reason=str(p.get("reason") or ""),
        cases=count,
        cases_ok=ok,
        calls=int(_num(p, "calls", optional=True) or 0),
        capacity=float(_num(p, "capacity", optional=True) or 0.0),
        p50_ms=_opt_float(latency.get("p50")),
        p99_ms=_opt_float(latency.get("p99")),
        failures=failures,
    )


def _opt_float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _failed_case(c: Mapping[str, Any]) -> FailedCase:
    diff = c.get("difference") if isinstance(c.get("difference"), dict) else {}
    assert isinstance(diff, dict)

    def rows(side: str) -> tuple[str, ...]:
        value = diff.get(side)
        return tuple(show_value(r) for r in value[:MAX_ROWS_SHOWN]) if isinstance(value, list) else ()

    return FailedCase(
        label=str(c.get("label") or ""),
        params=show_value(c.get("params") or {}),
        reason=str(diff.get("reason") or "differs"),
        expected=int(_num(c, "expected", optional=True) or 0),
        actual=int(_num(c, "actual", optional=True) or 0),
        expected_rows=rows("expected"),
        actual_rows=rows("actual"),
    )


# ------------------------------------------------------------------ verify


def parse_verify(given: JsonInput) -> VerificationView | None:
    """Counts per table and (from a full report) the differences and rejects."""
    loaded = load_json("verify", given)
    if loaded is None:
        return None
    where, data = loaded
    try:
        tables = tuple(
            VerifiedTable(
                table=_get(t, "table", str),
                ok=bool(t.get("ok", True)),
                expected=int(_num(t, "expected")),
                actual=int(_num(t, "actual")),
                missing=int(_num(t, "missing", optional=True) or 0),
                extra=int(_num(t, "extra", optional=True) or 0),
                different=int(_num(t, "different", optional=True) or 0),
                expired=int(_num(t, "expired", optional=True) or 0),
            )
            for t in _objects(data, "tables")
        )
        known = isinstance(data.get("differences"), list)
        differences = tuple(
            DifferenceView(
                table=str(d.get("table") or ""),
                kind=str(d.get("kind") or ""),
                key=show_value(d.get("key")),
                diff=tuple(show_value(x) for x in (d.get("diff") or [])[:10]),
            )
            for d in _objects(data, "differences", optional=True)[:MAX_DIFFERENCES]
        )
        rejects = tuple(_reject(r) for r in _objects(data, "rejects", optional=True)[:MAX_REJECTS])
        view = VerificationView(
            source=str(data.get("source") or ""),
            target=str(data.get("target") or ""),
            ok=bool(data.get("ok", all(t.ok for t in tables))),
            tables=tables,
            differences=differences,
            differences_known=known,
            rejects=rejects,
        )
    except (_Bad, TypeError, ValueError) as exc:
        raise _fail("verify", where, str(exc)) from None
    return view


def _reject(r: Mapping[str, Any]) -> RejectView:
    return RejectView(
        source_table=str(r.get("source_table") or r.get("table") or ""),
        key=show_value(r.get("key")),
        reason=str(r.get("reason") or ""),
        table=str(r["target"]) if r.get("target") else (str(r["table"]) if r.get("source_table") else None),
    )


# ------------------------------------------------------------------ migrate


def parse_migrate(given: JsonInput, base: Path | None = None) -> MigrationView | None:
    """Per-table rates from ``migrate --summary``, and the rejects its files list (first ones, with reasons).

    The rejects files are read from the summary's ``rejects_dir`` as written,
    else relative to ``base`` (the summary's own directory).
    """
    loaded = load_json("migrate", given)
    if loaded is None:
        return None
    where, data = loaded
    try:
        tables = tuple(
            MigratedTable(
                table=_get(t, "table", str),
                read=int(_num(t, "read")),
                items=int(_num(t, "items")),
                rejected=int(_num(t, "rejected", optional=True) or 0),
                failed=int(_num(t, "failed", optional=True) or 0),
                seconds=float(_num(t, "seconds", optional=True) or 0.0),
                items_per_second=float(_num(t, "items_per_second", optional=True) or 0.0),
            )
            for t in _objects(data, "tables")
        )
        total = _get(data, "total", dict, optional=True) or {}
        rejects_dir = data.get("rejects_dir")
        rejects = _read_rejects(
            Path(rejects_dir) if isinstance(rejects_dir, str) else None,
            base,
            [t.table for t in tables if t.rejected or t.failed],
        )
        view = MigrationView(
            source=str(data.get("source") or ""),
            target=str(data["target"]) if data.get("target") else None,
            dry_run=bool(data.get("dry_run", False)),
            seconds=float(_num(data, "seconds", optional=True) or 0.0),
            tables=tables,
            total_items=int(total.get("items", sum(t.items for t in tables))),
            total_items_per_second=float(total.get("items_per_second", 0.0)),
            rejects=rejects,
        )
    except (_Bad, TypeError, ValueError) as exc:
        raise _fail("migrate", where, str(exc)) from None
    return view


def _read_rejects(directory: Path | None, base: Path | None, tables: Sequence[str]) -> tuple[RejectView, ...]:
    if directory is None or not tables:
        return ()
    candidates = [directory] + ([base / directory] if base is not None and not directory.is_absolute() else [])
    found = next((d for d in candidates if d.is_dir()), None)
    if found is None:
        return ()
    out: list[RejectView] = []
    for table in tables:
        path = found / f"{table}.jsonl"
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if len(out) >= MAX_REJECTS:
                    return tuple(out)
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a killed run's last line: the rest of the file still counts
                if isinstance(entry, dict):
                    failed = " (write failed)" if entry.get("failed") else ""
                    out.append(
                        RejectView(
                            source_table=str(entry.get("table") or table),
                            key=show_value(entry.get("key")),
                            reason=str(entry.get("reason") or entry.get("error") or "") + failed,
                            table=str(entry["target"]) if entry.get("target") else None,
                        )
                    )
    return tuple(out)
