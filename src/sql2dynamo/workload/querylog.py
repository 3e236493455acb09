"""Read a workload from a query log file (``analyze --query-log FILE``).

Query log format
----------------

A plain UTF-8 text file of SQL statements in the source database's dialect,
each terminated by ``;`` (a ``;`` inside quotes or comments does not count).
Statements may span lines and carry literal values or parameters; values
become named parameters, so ``WHERE email = 'a@example.com'`` and ``WHERE
email = 'b@example.com'`` are one access pattern.

Directives are SQL line comments of the form ``-- key: value`` on their own
line between statements:

``-- window_seconds: 3600``
    header (before the first statement): the log covers this many seconds.
``-- window: 2024-05-01T10:00:00Z/2024-05-01T11:00:00Z``
    header, instead of ``window_seconds``: the ISO 8601 start and end of
    the period the log covers (no offset means UTC).
``-- calls: 120``
    the next statement ran this many times (a positive integer).  Without
    it a statement counts once, so a raw statement log works as it is:
    every occurrence counts.

Any other comment is ignored.  With a window, ``rps.avg`` of each pattern is
calls / window seconds; without one, rates stay unknown (``rps: null``) and
the calls are kept as evidence.  Only SELECT, INSERT, UPDATE and DELETE on
tables are kept: SET, SHOW, BEGIN/COMMIT, DDL and catalog queries are
skipped.  A statement that does not parse, an unterminated statement, quote
or comment, or a malformed directive is an error naming the line.

Example::

    -- window_seconds: 3600
    -- calls: 1200
    SELECT * FROM customer WHERE email = 'ann@example.com';
    -- calls: 300
    SELECT * FROM invoice WHERE customer_id = 7
     ORDER BY invoice_date DESC LIMIT 20;
    INSERT INTO invoice (customer_id, total) VALUES (7, 9.99);
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sql2dynamo.common.errors import InputError
from sql2dynamo.source.dialects import get_dialect
from sql2dynamo.workload.evidence import Aggregator, MinedWorkload

ORIGIN = "query_log"
_DIRECTIVE = re.compile(r"--\s*(calls|window_seconds|window)\s*:\s*(.*?)\s*$", re.I)
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_]\w*)?\$")
_HINT = "see the query log format: statements end with ';', directives are `-- calls: N` lines"


@dataclass
class _Log:
    source: str
    dialect_name: str
    aggregator: Aggregator
    statements: int = 0
    window_seconds: float | None = None
    window: tuple[datetime, datetime] | None = None
    pending_calls: tuple[int, int] | None = None  # (calls, line of the directive)

    def error(self, line: int, problem: str, hint: str = _HINT) -> InputError:
        return InputError(f"{self.source}: line {line}: {problem}", hint=hint, line=line)

    def directive(self, key: str, value: str, line: int) -> None:
        key = key.lower()
        if key == "calls":
            if self.pending_calls is not None:
                raise self.error(line, f"`-- calls:` follows another one (line {self.pending_calls[1]})")
            if not value.isdigit() or int(value) < 1:
                raise self.error(line, f"calls must be a positive integer, got {value!r}")
            self.pending_calls = (int(value), line)
            return
        if self.statements:
            raise self.error(line, f"`-- {key}:` must come before the first statement")
        if self.window is not None or self.window_seconds is not None:
            hint = "give one of `-- window_seconds:` or `-- window:`"
            raise self.error(line, "the window is given twice", hint)
        if key == "window_seconds":
            try:
                seconds = float(value)
            except ValueError:
                seconds = -1.0
            if not seconds > 0:
                raise self.error(line, f"window_seconds must be a positive number, got {value!r}")
            self.window_seconds = round(seconds, 3)
        else:
            try:
                self.window = _parse_window(value)
            except ValueError as exc:
                raise self.error(line, str(exc)) from None

    def statement(self, sql: str, line: int) -> None:
        calls = 1
        if self.pending_calls is not None:
            calls, self.pending_calls = self.pending_calls[0], None
        self.statements += 1
        try:
            self.aggregator.add(sql, calls, raise_errors=True)
        except InputError as exc:
            raise self.error(line, exc.message, exc.hint or _HINT) from None


def _parse_window(value: str) -> tuple[datetime, datetime]:
    """``<ISO start>/<ISO end>``; ValueError with the problem otherwise."""
    start_text, sep, end_text = value.partition("/")
    try:
        if not sep:
            raise ValueError
        start, end = (_utc(datetime.fromisoformat(t.strip())) for t in (start_text, end_text))
    except ValueError:
        raise ValueError(f"window must be <ISO start>/<ISO end>, got {value!r}") from None
    if end <= start:
        raise ValueError("the window ends before it starts")
    return start, end


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_query_log(path: Path | str, dialect_name: str) -> MinedWorkload:
    """The workload recorded in a query log file (format in this module's docstring)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such query log file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the query log: {exc}") from None
    return parse_query_log(text, dialect_name, source=str(path))


def parse_query_log(text: str, dialect_name: str, *, source: str = "query log") -> MinedWorkload:
    """The workload in the text of a query log (see :func:`read_query_log`)."""
    dialect = get_dialect(dialect_name)
    log = _Log(source, dialect.name, Aggregator(dialect.name, ORIGIN))
    _scan(text, log, backslash_escapes=dialect.name == "mysql", dollar_quotes=dialect.name == "postgresql")
    if log.pending_calls is not None:
        raise log.error(log.pending_calls[1], "`-- calls:` is not followed by a statement")
    if not log.statements:
        raise InputError(f"{source}: no statements found", hint=_HINT)
    start = end = None
    seconds = log.window_seconds
    if log.window is not None:
        start, end = log.window
        seconds = round((end - start).total_seconds(), 3)
    return MinedWorkload(
        statements=log.aggregator.statements(),
        window_start=start,
        window_end=end,
        window_seconds=seconds,
        origin=ORIGIN,
        dialect_name=dialect.name,
        skipped=dict(log.aggregator.skipped),
    )


def _scan(text: str, log: _Log, *, backslash_escapes: bool, dollar_quotes: bool) -> None:
    """Split ``text`` into statements and directives, keeping track of lines."""
    i, line, n = 0, 1, len(text)
    buffer: list[str] = []
    start_line = 0  # line where the current statement began; 0: none yet

    def skip_to(end: int) -> None:
        nonlocal i, line
        buffer.append(text[i:end])
        line += text.count("\n", i, end)
        i = end

    while i < n:
        ch = text[i]
        if not start_line and ch in " \t\r\n;":
            if ch == "\n":
                line += 1
            i += 1
            continue
        if text.startswith("--", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            match = _DIRECTIVE.match(text, i, end)
            if not start_line:
                if match:
                    log.directive(match[1], match[2], line)
                i = end  # comments between statements are not part of them
            else:
                skip_to(end)
            continue
        if not start_line and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise log.error(line, "comment /* is never closed")
            line += text.count("\n", i, end)
            i = end + 2  # like -- comments, not part of the next statement
            continue
        if not start_line:
            start_line = line
        if ch == ";":
            log.statement("".join(buffer).strip(), start_line)
            buffer, start_line = [], 0
            i += 1
        elif ch in "'\"`":
            escapes = backslash_escapes or (ch == "'" and _e_string(text, i))
            skip_to(_quoted_end(text, i, ch, escapes, log, line))
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise log.error(line, "comment /* is never closed")
            skip_to(end + 2)
        elif dollar_quotes and ch == "$" and (tag := _DOLLAR_TAG.match(text, i)):
            end = text.find(tag[0], tag.end())
            if end < 0:
                raise log.error(line, f"dollar-quoted text {tag[0]} is never closed")
            skip_to(end + len(tag[0]))
        else:
            buffer.append(ch)
            if ch == "\n":
                line += 1
            i += 1
    if start_line and "".join(buffer).strip():
        raise log.error(start_line, "the last statement is not terminated by ';'")


def _e_string(text: str, i: int) -> bool:
    """PostgreSQL ``E'...'`` strings take backslash escapes."""
    return i > 0 and text[i - 1] in "eE" and (i < 2 or not (text[i - 2].isalnum() or text[i - 2] == "_"))


def _quoted_end(text: str, i: int, quote: str, escapes: bool, log: _Log, line: int) -> int:
    """The index just past the quote that closes the one at ``i`` (doubled quotes are text)."""
    j = i + 1
    while j < len(text):
        c = text[j]
        if escapes and c == "\\":
            j += 2
            continue
        if c == quote:
            if j + 1 < len(text) and text[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    raise log.error(line, f"quote {quote} is never closed")
