"""The tokens of one DDL statement, and a cursor that reads them.

Tokenizing is sqlglot's (dialect-aware quoting: `backticks`, [brackets],
"double""quotes", E'...' and $$...$$ strings, comments).  The grammar on top
is ours: sqlglot 30's *parser* rejects valid DDL that dumps contain
(PostgreSQL ``bit varying``, ``CHECK ... NOT VALID``, ``CREATE INDEX ... ON
ONLY``; MySQL ``CREATE INDEX i USING BTREE ON t``, ``national varchar``;
SQLite ``UNSIGNED BIG INT``, ``ON CONFLICT``, ``PRIMARY KEY (a DESC)``) and
rewrites the types it accepts (SQLite ``NUMERIC`` becomes ``REAL``), while
``schema.json`` needs every type exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlglot.dialects.dialect import Dialect as SqlglotDialect
from sqlglot.errors import TokenError

TokKind = Literal["word", "quoted", "string", "number", "punct"]

_WORDLIKE = re.compile(r"[A-Za-z_\x80-\uffff][\w$\x80-\uffff]*")
_OPEN = {"(": ")", "[": "]"}


class DdlSyntaxError(Exception):
    """A statement the reader cannot make sense of; the caller adds file, line and excerpt."""


@dataclass(frozen=True, slots=True)
class Tok:
    """One token: a word (keyword or unquoted name), a quoted identifier, a literal or punctuation."""

    kind: TokKind
    text: str  # as written for words; unescaped content for quoted identifiers and strings
    start: int
    end: int  # exclusive

    @property
    def word(self) -> str:
        """The upper-cased word, or "" for anything that is not an unquoted word."""
        return self.text.upper() if self.kind == "word" else ""

    @property
    def is_name(self) -> bool:
        """Whether this token can be an identifier."""
        return self.kind in ("word", "quoted")


def tokenize(sql: str, sqlglot_dialect: str) -> list[Tok]:
    """Tokens of ``sql``; multi-word keywords ("DOUBLE PRECISION") come back as separate words."""
    try:
        raw = SqlglotDialect.get_or_raise(sqlglot_dialect).tokenize(sql)
    except TokenError as exc:
        raise DdlSyntaxError("cannot tokenize it (an unterminated string or quoted name?)") from exc
    toks: list[Tok] = []
    for t in raw:
        kind = t.token_type.name
        start, end = t.start, t.end + 1
        if kind == "IDENTIFIER":
            toks.append(Tok("quoted", t.text, start, end))
        elif kind.endswith("STRING"):
            toks.append(Tok("string", t.text, start, end))
        elif kind == "NUMBER":
            toks.append(Tok("number", sql[start:end], start, end))
        else:
            written = sql[start:end]
            parts = list(re.finditer(r"\S+", written))
            if parts and all(_WORDLIKE.fullmatch(p.group()) for p in parts):
                toks.extend(Tok("word", p.group(), start + p.start(), start + p.end()) for p in parts)
            else:
                toks.append(Tok("punct", written, start, end))
    return toks


class Cursor:
    """Reads tokens ``[i, stop)`` of one statement; groups are matched once up front."""

    def __init__(self, toks: list[Tok], sql: str, fold_case: bool, i: int = 0, stop: int | None = None) -> None:
        self.toks = toks
        self.sql = sql
        self.fold_case = fold_case  # PostgreSQL folds unquoted names to lower case
        self.i = i
        self.stop = len(toks) if stop is None else stop
        self.match = _match_groups(toks)

    def sub(self, start: int, stop: int) -> Cursor:
        """A cursor over ``[start, stop)`` sharing this statement's tokens."""
        cur = Cursor.__new__(Cursor)
        cur.toks, cur.sql, cur.fold_case, cur.match = self.toks, self.sql, self.fold_case, self.match
        cur.i, cur.stop = start, stop
        return cur

    def done(self) -> bool:
        """Whether every token has been read."""
        return self.i >= self.stop

    def peek(self, k: int = 0) -> Tok | None:
        """The token ``k`` places ahead, if any."""
        j = self.i + k
        return self.toks[j] if j < self.stop else None

    def word(self, k: int = 0) -> str:
        """The upper-cased word ``k`` places ahead ("" if none or not a word)."""
        tok = self.peek(k)
        return tok.word if tok else ""

    def punct(self, k: int = 0) -> str:
        """The punctuation ``k`` places ahead ("" if none)."""
        tok = self.peek(k)
        return tok.text if tok and tok.kind == "punct" else ""

    def at(self, *words: str) -> bool:
        """Whether the next tokens are exactly ``words``."""
        return all(self.word(k) == w for k, w in enumerate(words))

    def take(self, *words: str) -> bool:
        """Consume ``words`` if they come next."""
        if self.at(*words):
            self.i += len(words)
            return True
        return False

    def take_any(self, *words: str) -> str:
        """Consume and return the next word if it is one of ``words``; "" otherwise."""
        w = self.word()
        if w and w in words:
            self.i += 1
            return w
        return ""

    def advance(self) -> Tok:
        """The next token, consumed."""
        if self.done():
            raise DdlSyntaxError("the statement ends too early")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def skip(self) -> None:
        """Consume one token, or a whole (...) / [...] group."""
        close = self.match.get(self.i)
        self.i = close + 1 if close is not None else self.i + 1

    def group(self) -> tuple[int, int]:
        """Consume a parenthesized group; return the token range inside it."""
        if self.punct() != "(":
            tok = self.peek()
            raise DdlSyntaxError(f"expected '(' but found {_show(tok)}")
        start = self.i
        close = self.match[start]
        self.i = close + 1
        return start + 1, close

    def name(self) -> str:
        """Consume an identifier and return it as the database stores it."""
        tok = self.peek()
        if tok is None or not tok.is_name:
            raise DdlSyntaxError(f"expected a name but found {_show(tok)}")
        self.i += 1
        return self.ident(tok)

    def ident(self, tok: Tok) -> str:
        """``tok`` as a name: quoted ones exactly, unquoted ones folded where the dialect folds."""
        return tok.text.lower() if tok.kind == "word" and self.fold_case else tok.text

    def qualified_name(self) -> tuple[str | None, str]:
        """Consume ``[catalog.][schema.]name``; return (schema, name)."""
        parts = [self.name()]
        while self.punct() == "." and (nxt := self.peek(1)) is not None and nxt.is_name:
            self.i += 1
            parts.append(self.name())
        return (parts[-2] if len(parts) > 1 else None), parts[-1]

    def raw(self, start: int, stop: int) -> str:
        """The source text of tokens ``[start, stop)`` exactly as written."""
        if start >= stop:
            return ""
        return self.sql[self.toks[start].start : self.toks[stop - 1].end]

    def items(self, start: int, stop: int) -> list[tuple[int, int]]:
        """Split ``[start, stop)`` at top-level commas."""
        out: list[tuple[int, int]] = []
        i = first = start
        while i < stop:
            tok = self.toks[i]
            if tok.kind == "punct" and tok.text == ",":
                out.append((first, i))
                first = i + 1
            i = self.match.get(i, i) + 1
        out.append((first, stop))
        return out

    def column_list(self) -> tuple[str, ...] | None:
        """Consume ``(a, b DESC, c(10))``; None when an item is an expression, not a column."""
        start, stop = self.group()
        names: list[str] = []
        for a, b in self.items(start, stop):
            if a >= b:
                raise DdlSyntaxError("empty item in a column list")
            toks = self.toks[a:b]
            if not toks[0].is_name or not _only_modifiers(toks[1:]):
                return None
            names.append(self.ident(toks[0]))
        return tuple(names)

    def show(self) -> str:
        """The next token, for error messages."""
        return _show(self.peek())


def _only_modifiers(rest: list[Tok]) -> bool:
    # After a column name an index item may carry a MySQL prefix length "(10)",
    # ASC/DESC, NULLS FIRST/LAST, COLLATE x or a PostgreSQL operator class.
    if len(rest) >= 3 and rest[0].text == "(" and rest[1].kind == "number" and rest[2].text == ")":
        rest = rest[3:]
    return all(t.is_name for t in rest)


def _match_groups(toks: list[Tok]) -> dict[int, int]:
    match: dict[int, int] = {}
    stack: list[int] = []
    for i, tok in enumerate(toks):
        if tok.kind != "punct":
            continue
        if tok.text in _OPEN:
            stack.append(i)
        elif tok.text in (")", "]"):
            if not stack or _OPEN[toks[stack[-1]].text] != tok.text:
                raise DdlSyntaxError(f"unbalanced {tok.text!r}")
            match[stack.pop()] = i
    if stack:
        raise DdlSyntaxError(f"unclosed {toks[stack[-1]].text!r}")
    return match


def _show(tok: Tok | None) -> str:
    if tok is None:
        return "the end of the statement"
    return repr(tok.text) if tok.kind != "string" else "a string"


def type_text(toks: list[Tok]) -> str:
    """A type as written, normalized: lower case outside quotes, single spaces, none around punctuation."""
    out: list[str] = []
    prev = ""
    for tok in toks:
        if tok.kind == "string":
            piece = "'" + tok.text.replace("'", "''") + "'"
        elif tok.kind == "quoted":
            piece = tok.text
        else:
            piece = tok.text.lower()
        if out and prev not in ("(", "[", ".", ",") and piece not in ("(", ")", "[", "]", ",", "."):
            out.append(" ")
        out.append(piece)
        prev = piece if tok.kind == "punct" else ""
    return "".join(out)
