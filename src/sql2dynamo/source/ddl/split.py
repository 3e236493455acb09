"""Split a SQL script or dump into statements without parsing them.

Dumps are mostly data (the Chinook scripts are 600 KB of INSERTs), so the
reader must find statement boundaries cheaply and hand only DDL to the token
parser.  The scanner jumps from one "interesting" character to the next with
a compiled regex and only looks closely at quotes, comments and delimiters,
following each dialect's quoting rules:

* MySQL: backslash escapes in '...' and "..." strings, `identifiers`, ``#``
  comments, ``--`` comments only when followed by whitespace, executable
  comments ``/*!50001 ... */`` whose content *is* SQL (mysqldump wraps views
  and triggers in them), and the client's ``DELIMITER`` command.
* PostgreSQL: E'...' strings with backslash escapes, $tag$ dollar quoting
  (function bodies), psql meta-commands (``\\c db``) and the data block that
  follows ``COPY ... FROM stdin;``.
* SQLite: [bracketed] and `backticked` identifiers, sqlite3 dot-commands, and
  ``CREATE TRIGGER ... BEGIN ...; ...; END;`` bodies that contain semicolons.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Statement:
    """One statement of a script: its executable text and where it starts."""

    text: str  # MySQL executable-comment markers are blanked out
    line: int  # 1-based line of the statement's first character
    keyword: str  # the first word, upper-cased ("" when it does not start with a word)


_LEADING = {
    "mysql": re.compile(r"(?:\s+|--(?=\s|$)[^\n]*|#[^\n]*|/\*(?!!)(?s:.*?)\*/)*"),
    "postgresql": re.compile(r"(?:\s+|--[^\n]*|/\*(?s:.*?)\*/)*"),
    "sqlite": re.compile(r"(?:\s+|--[^\n]*|/\*(?s:.*?)\*/)*"),
}
_SPECIALS = {"mysql": "'\"`#-/*", "postgresql": "'\"-/$", "sqlite": "'\"`[-/"}
_BACKSLASH_SQ = re.compile(r"'[^'\\]*(?:\\.[^'\\]*)*'", re.S)
_BACKSLASH_DQ = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_PLAIN = {
    "'": re.compile(r"'[^']*'"),
    '"': re.compile(r'"[^"]*"'),
    "`": re.compile(r"`[^`]*`"),
    "[": re.compile(r"\[[^\]]*\]"),
}
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\uffff][\w\x80-\uffff]*)?\$")
_EXEC_OPEN = re.compile(r"/\*!\d*")
_FIRST_WORD = re.compile(r"(?:/\*!\d*\s*)?([A-Za-z_]+)")
_DELIMITER_CMD = re.compile(r"DELIMITER[ \t]+(\S+)[^\n]*", re.I)
_SQLITE_TRIGGER = re.compile(r"CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b", re.I)
_COPY_STDIN = re.compile(r"COPY\b.*\bFROM\s+STDIN\b", re.I | re.S)
_COPY_END = re.compile(r"^\\\.[ \t]*\r?$", re.M)


@cache
def _special(dialect: str, delimiter: str, words: bool) -> re.Pattern[str]:
    chars = "".join(sorted(set(_SPECIALS[dialect] + delimiter[0])))
    pattern = "[" + re.escape(chars) + "]"
    if words:  # SQLite trigger bodies: BEGIN/CASE/END decide where the statement ends
        pattern += r"|(?<![\w$])[A-Za-z_]\w*"
    return re.compile(pattern)


class _Scanner:
    """Finds the end of one statement at a time; state carries across statements."""

    def __init__(self, text: str, dialect: str) -> None:
        self.text = text
        self.dialect = dialect
        self.delimiter = ";"
        self.markers: list[tuple[int, int]] = []  # MySQL /*!...*/ markers inside the statement

    def statement_end(self, pos: int, trigger: bool) -> tuple[int, int]:
        """(end of the statement text, where the next statement may start)."""
        text, dialect, delim = self.text, self.dialect, self.delimiter
        special = _special(dialect, delim, trigger)
        in_exec = False
        depth = 0
        n = len(text)
        while True:
            m = special.search(text, pos)
            if m is None:
                return n, n
            i = m.start()
            c = text[i]
            if c.isalpha() or c == "_":
                word = m.group().upper()
                depth += 1 if word in ("BEGIN", "CASE") else -1 if word == "END" else 0
                pos = m.end()
            elif text.startswith(delim, i) and depth <= 0:
                return i, i + len(delim)
            elif c in "'\"`[":
                pos = self._quoted_end(c, i)
            elif c == "-":
                if text.startswith("--", i) and (dialect != "mysql" or text[i + 2 : i + 3].isspace() or i + 2 == n):
                    pos = self._line_end(i)
                else:
                    pos = i + 1
            elif c == "#":
                pos = self._line_end(i)
            elif c == "/":
                if text.startswith("/*!", i) and dialect == "mysql":
                    mm = _EXEC_OPEN.match(text, i)
                    assert mm is not None
                    self.markers.append((i, mm.end()))
                    in_exec = True
                    pos = mm.end()
                elif text.startswith("/*", i):
                    close = text.find("*/", i + 2)
                    pos = n if close < 0 else close + 2
                else:
                    pos = i + 1
            elif c == "*":
                if in_exec and text.startswith("*/", i):
                    self.markers.append((i, i + 2))
                    in_exec = False
                    pos = i + 2
                else:
                    pos = i + 1
            elif c == "$":
                tag = _DOLLAR_TAG.match(text, i)
                if tag is None:
                    pos = i + 1
                else:
                    close = text.find(tag.group(), tag.end())
                    pos = n if close < 0 else close + len(tag.group())
            else:  # first character of a multi-character delimiter, or ';' inside a trigger body
                pos = i + 1

    def _quoted_end(self, quote: str, i: int) -> int:
        text = self.text
        if quote == "'" and (self.dialect == "mysql" or (self.dialect == "postgresql" and _e_string(text, i))):
            pattern = _BACKSLASH_SQ
        elif quote == '"' and self.dialect == "mysql":
            pattern = _BACKSLASH_DQ
        elif quote == "[" and self.dialect != "sqlite":
            return i + 1
        else:
            pattern = _PLAIN[quote]
        m = pattern.match(text, i)
        return len(text) if m is None else m.end()  # unterminated: the rest is one statement

    def _line_end(self, i: int) -> int:
        end = self.text.find("\n", i)
        return len(self.text) if end < 0 else end + 1


def _e_string(text: str, i: int) -> bool:
    """Whether the quote at ``i`` opens a PostgreSQL E'...' string (backslash escapes)."""
    if i == 0 or text[i - 1] not in "eE":
        return False
    return i < 2 or not (text[i - 2].isalnum() or text[i - 2] in "_$")


def split_statements(text: str, dialect: str) -> Iterator[Statement]:
    """The statements of ``text`` (a script in ``dialect``: a registry name), in order.

    Client commands (psql ``\\c``, sqlite3 ``.mode``, MySQL ``DELIMITER``) and
    COPY data blocks are consumed here and never yielded.
    """
    scanner = _Scanner(text, dialect)
    leading = _LEADING[dialect]
    n = len(text)
    pos = 0
    line, line_pos = 1, 0
    while True:
        lead = leading.match(text, pos)
        start = lead.end() if lead else pos
        if start >= n:
            return
        line += text.count("\n", line_pos, start)
        line_pos = start
        c = text[start]
        if (c == "\\" and dialect == "postgresql") or (c == "." and dialect == "sqlite"):
            pos = scanner._line_end(start)
            continue
        if dialect == "mysql" and c in "dD":
            cmd = _DELIMITER_CMD.match(text, start)
            if cmd:
                scanner.delimiter = cmd.group(1)
                pos = cmd.end()
                continue
        first = _FIRST_WORD.match(text, start)
        keyword = first.group(1).upper() if first else ""
        trigger = dialect == "sqlite" and keyword == "CREATE" and bool(_SQLITE_TRIGGER.match(text, start))
        scanner.markers = []
        end, pos = scanner.statement_end(start, trigger)
        body = text[start:end]
        if scanner.markers:
            chars = list(body)
            for a, b in scanner.markers:
                a, b = a - start, min(b, end) - start
                if a < b:
                    chars[a:b] = " " * (b - a)
            body = "".join(chars)
        if body.strip():
            yield Statement(body.rstrip(), line, keyword)
        if keyword == "COPY" and dialect == "postgresql" and _COPY_STDIN.match(body):
            data_end = _COPY_END.search(text, pos)
            pos = n if data_end is None else data_end.end()
