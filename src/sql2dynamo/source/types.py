"""Source column type -> normalized type, as an ordered rule table (first match wins).

Like pgloader's CAST rules: every rule has a one-line reason, users can put
their own rules in front (``--cast 'point=string'``), and the table is tested
as a table.  The normalized type is what later stages map to DynamoDB types;
the source spelling is always kept beside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sql2dynamo.common.errors import UsageError

NORMALIZED_TYPES: tuple[str, ...] = (
    "integer",
    "decimal",
    "float",
    "boolean",
    "string",
    "uuid",
    "date",
    "datetime",
    "datetime_tz",
    "time",
    "interval",
    "json",
    "binary",
    "enum",
    "set",
    "array",
)


@dataclass(frozen=True)
class TypeRule:
    """Map source types matching ``pattern`` (a regex on the lower-cased type) to ``normalized``."""

    name: str
    pattern: str
    normalized: str
    reason: str
    dialects: frozenset[str] = frozenset()  # empty: every dialect

    def matches(self, dialect: str, source_type: str) -> bool:
        """Whether this rule applies to ``source_type`` read from ``dialect``."""
        if self.dialects and dialect not in self.dialects:
            return False
        return re.fullmatch(self.pattern, source_type.strip().lower()) is not None


_ANY = frozenset[str]()
_MYSQL = frozenset({"mysql"})
_PG = frozenset({"postgresql"})
_SQLITE = frozenset({"sqlite"})
_P = r"(\s*\(\s*\d+\s*(,\s*\d+\s*)?\))?"  # optional (n) or (p,s)
_U = r"(\s+(unsigned|signed))?(\s+zerofill)?"

DEFAULT_RULES: tuple[TypeRule, ...] = (
    TypeRule(
        "mysql-tinyint1",
        r"tinyint\s*\(\s*1\s*\)" + _U,
        "boolean",
        "MySQL has no boolean type: tinyint(1) is how it spells one",
        _MYSQL,
    ),
    TypeRule("mysql-bit1", r"bit\s*\(\s*1\s*\)", "boolean", "bit(1) holds one flag", _MYSQL),
    TypeRule("boolean", r"bool(ean)?", "boolean", "a true/false flag"),
    TypeRule(
        "integer",
        r"(tiny|small|medium|big)?int(eger)?" + _P + _U + r"|int[248]|(small|big)?serial|serial[248]|year(\(4\))?",
        "integer",
        "whole numbers: exact N in DynamoDB",
    ),
    TypeRule("mysql-bit", r"bit" + _P, "integer", "a MySQL bit field holds a small unsigned number", _MYSQL),
    TypeRule(
        "decimal",
        r"(numeric|decimal|dec|fixed)" + _P + _U + r"|money|smallmoney",
        "decimal",
        "exact decimals: N from Decimal, never float",
    ),
    TypeRule(
        "float",
        r"(real|float[48]?|double( precision)?)" + _P + _U,
        "float",
        "binary floating point: N, NaN/Infinity need a decision at migration",
    ),
    TypeRule("uuid", r"uuid|uniqueidentifier", "uuid", "a UUID: kept as its canonical string"),
    TypeRule("mysql-enum", r"enum\s*\(.*\)", "enum", "one of a fixed set of strings", _MYSQL),
    TypeRule("mysql-set", r"set\s*\(.*\)", "set", "a set of strings: SS in DynamoDB", _MYSQL),
    TypeRule(
        "string",
        r"(n?(var)?char|character( varying)?|national (var)?char(acter)?( varying)?"
        r"|varchar2|nvarchar2|bpchar|(tiny|medium|long)?text|n?clob|citext|name|string)"
        + _P
        + r"(\s+(character set|charset|collate)\s+\w+)*",
        "string",
        "text: S in DynamoDB",
    ),
    TypeRule("date", r"date", "date", "a calendar date: ISO-8601 string"),
    TypeRule(
        "datetime-tz",
        r"timestamp" + _P + r"\s+with time zone|timestamptz" + _P,
        "datetime_tz",
        "an instant: ISO-8601 UTC string",
    ),
    TypeRule(
        "datetime",
        r"(datetime|smalldatetime|datetime2)" + _P + r"|timestamp" + _P + r"(\s+without time zone)?",
        "datetime",
        "a wall-clock date and time: ISO-8601 string",
    ),
    TypeRule(
        "time",
        r"time" + _P + r"(\s+with(out)? time zone)?|timetz" + _P,
        "time",
        "a time of day: ISO-8601 string",
    ),
    TypeRule("interval", r"interval.*", "interval", "a duration: ISO-8601 duration string"),
    TypeRule("json", r"jsonb?", "json", "a JSON document: M or L in DynamoDB"),
    TypeRule(
        "binary",
        r"bytea|(tiny|medium|long)?blob|(var)?binary" + _P + r"|image|raw" + _P,
        "binary",
        "bytes: B in DynamoDB",
    ),
    TypeRule(
        "pg-bitstring",
        r"bit varying" + _P + r"|varbit" + _P + r"|bit" + _P,
        "string",
        "a bit string keeps its 0/1 text",
        _PG,
    ),
    TypeRule("pg-network", r"inet|cidr|macaddr8?|xml", "string", "kept as its text form", _PG),
    TypeRule("pg-array", r".+\[\]", "array", "a PostgreSQL array: L in DynamoDB", _PG),
    # SQLite accepts any type name; its own affinity rules decide what is stored.
    TypeRule("sqlite-int-affinity", r".*int.*", "integer", "SQLite INTEGER affinity", _SQLITE),
    TypeRule("sqlite-text-affinity", r".*(char|clob|text).*", "string", "SQLite TEXT affinity", _SQLITE),
    TypeRule("sqlite-real-affinity", r".*(real|floa|doub).*", "float", "SQLite REAL affinity", _SQLITE),
    TypeRule("sqlite-blob-affinity", r"(.*blob.*)?", "binary", "SQLite BLOB affinity (no type given)", _SQLITE),
    TypeRule("sqlite-numeric-affinity", r".+", "decimal", "SQLite NUMERIC affinity", _SQLITE),
)

_PARAMS = re.compile(r"\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)")


@dataclass(frozen=True)
class TypeMapping:
    """The result of classifying one source type."""

    normalized: str
    rule: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None


_SET_TYPE = re.compile(r"(?i)\s*set\s*\(")


TEXT_CAST_RULE = "text-cast"
"""The rule of a column no rule maps, read through the database's own cast to text (pgloader's default)."""


class TypeMapper:
    """Classifies source types with user rules first, then the defaults.

    ``strict``: a type no rule maps stays unmapped (the caller stops);
    otherwise a live column of such a type is read as text through the
    database's own cast (:data:`TEXT_CAST_RULE`), with a warning.
    """

    def __init__(self, user_rules: Sequence[TypeRule] = (), *, strict: bool = False) -> None:
        self.rules: tuple[TypeRule, ...] = tuple(user_rules) + DEFAULT_RULES
        self.strict = strict

    def classify(self, dialect: str, source_type: str, *, is_enum: bool = False) -> TypeMapping | None:
        """The mapping for ``source_type``, or None when no rule matches (unsupported)."""
        rule_name: str
        # A MySQL SET is flagged like an enum by the catalog, but its rule makes it a string set (SS).
        is_set = dialect == "mysql" and _SET_TYPE.match(source_type) is not None
        user_rules = self.rules[: -len(DEFAULT_RULES)]
        if is_enum and not is_set and not any(r.matches(dialect, source_type) for r in user_rules):
            normalized, rule_name = "enum", "enum-type"
        else:
            for rule in self.rules:
                if rule.matches(dialect, source_type):
                    normalized, rule_name = rule.normalized, rule.name
                    break
            else:
                return None
        return _with_params(normalized, rule_name, source_type)


def text_cast_mapping() -> TypeMapping:
    """The mapping of a column no rule maps, read as text through the database's cast (see TypeMapper)."""
    return TypeMapping("string", TEXT_CAST_RULE)


def decided_mapping(normalized: str, source_type: str) -> TypeMapping:
    """The mapping of a column whose type the model already decided (rule ``model``), never classified again."""
    return _with_params(normalized, "model", source_type)


def _with_params(normalized: str, rule: str, source_type: str) -> TypeMapping:
    if normalized in ("enum", "set"):
        return TypeMapping(normalized, rule)
    m = _PARAMS.search(source_type)
    if not m:
        return TypeMapping(normalized, rule)
    first, second = int(m.group(1)), (int(m.group(2)) if m.group(2) else None)
    if normalized in ("string", "binary"):
        return TypeMapping(normalized, rule, length=first)
    if normalized == "decimal":
        return TypeMapping(normalized, rule, precision=first, scale=second if second is not None else 0)
    if normalized in ("datetime", "datetime_tz", "time", "float"):
        return TypeMapping(normalized, rule, precision=first)
    return TypeMapping(normalized, rule)


def parse_cast_rules(specs: Iterable[str]) -> tuple[TypeRule, ...]:
    """Turn ``--cast 'TYPE=normalized'`` options into rules (TYPE is a regex on the source type)."""
    rules = []
    for spec in specs:
        pattern, sep, normalized = spec.partition("=")
        pattern, normalized = pattern.strip().lower(), normalized.strip().lower()
        if not sep or not pattern or normalized not in NORMALIZED_TYPES:
            raise UsageError(
                f"bad --cast {spec!r}",
                hint=f"write SOURCE_TYPE=NORMALIZED with NORMALIZED one of {', '.join(NORMALIZED_TYPES)}",
            )
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"bad --cast {spec!r}: {exc}", hint="SOURCE_TYPE is a regular expression") from exc
        rules.append(TypeRule(f"user:{spec}", pattern, normalized, "user rule (--cast)"))
    return tuple(rules)
