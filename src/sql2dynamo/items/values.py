"""Source value -> DynamoDB attribute value, as an ordered rule table (first match wins).

The value a driver returns (psycopg 3, PyMySQL, sqlite3) is turned into a boto3
*low-level* attribute value (``{"N": "12.5"}``, ``{"S": ...}``, ``{"BOOL": True}``)
guided by the column's normalized type, the model's ``AttributeSpec.transform``.
Like :mod:`sql2dynamo.source.types`, every rule has a name and a one-line
reason, the table is tested as a table, and users put their own rules in
front.  ``convert`` returns ``None`` to omit the attribute (NULL, an empty
set) and raises :class:`ValueRejected` for values DynamoDB cannot hold;
nothing is ever guessed or silently truncated.

Decisions worth knowing (each is also a rule's reason, see :data:`DEFAULT_RULES`):

* Numbers are written as exact decimal text, never through a float, in a
  canonical spelling: no trailing zeros, no exponent in the usual range.
  DynamoDB does not keep a number's scale anyway (``12.50`` reads back as
  ``12.5``), so verification compares numbers numerically.  More than 38
  significant digits or a magnitude outside 1E-130..1E+126 is rejected.
* Naive date-times are written as they are (``2025-01-01T10:00:00``, no
  offset: the source meant wall-clock time); aware ones are converted to UTC
  and always carry six fractional digits and ``Z``
  (``2025-01-01T09:00:00.000000Z``) so that text order is time order.
  SQLite's text (``2025-01-01 10:00:00.000000``) is parsed and re-spelled the
  same way, so every driver yields the same text for the same instant.
* An empty set is omitted, exactly like NULL: DynamoDB has no empty set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Any
from uuid import UUID

from sql2dynamo.items.converters import (
    BYTES,
    AttributeValue,
    Converter,
    ValueRejected,
    bool_from_number,
    bool_from_text,
    date_text,
    datetime_from_text,
    datetime_text,
    duration_text,
    infer,
    json_from_text,
    l_from_text,
    n_decimal,
    n_float,
    n_int,
    n_value,
    omit_value,
    reject_unconverted,
    s_from_scalar,
    s_from_uuid,
    s_value,
    ss_from_text,
    ss_value,
    time_text,
    utf8_text,
)
from sql2dynamo.source.types import NORMALIZED_TYPES

__all__ = ["DEFAULT_RULES", "ValueConverter", "ValueRule", "When"]


# ------------------------------------------------------------------ the rule table


@dataclass(frozen=True)
class When:
    """A rule's condition: the column's transform is in ``transforms`` (empty: any) and the value is a ``types``.

    ``test`` refines it per value.  Unlike an arbitrary ``applies`` callable,
    a ``When`` lets :class:`ValueConverter` pick the rule once per Python type.
    """

    transforms: frozenset[str]
    types: tuple[type, ...]
    test: Callable[[Any], bool] | None = None

    def __call__(self, transform: str, value: Any) -> bool:
        if self.transforms and transform not in self.transforms:
            return False
        return isinstance(value, self.types) and (self.test is None or self.test(value))


@dataclass(frozen=True)
class ValueRule:
    """Convert values for which ``applies(transform, value)`` holds with ``convert`` (None: omit)."""

    name: str
    applies: Callable[[str, Any], bool]
    convert: Converter
    reason: str


def _on(*transforms: str) -> frozenset[str]:
    return frozenset(transforms)


_ANY = frozenset[str]()
_NUM = _on("integer", "decimal", "float")
_TEXT = _on("string", "enum")
_DT = _on("datetime", "datetime_tz")
_TEXT_SCALARS = (int, float, Decimal, UUID, IPv4Address, IPv6Address, IPv4Network, IPv6Network)

DEFAULT_RULES: tuple[ValueRule, ...] = (
    ValueRule(
        "null", When(_ANY, (type(None),)), omit_value, "NULL is an absent attribute: sparse indexes rely on absence"
    ),
    ValueRule("number-int", When(_NUM, (int,)), n_int, "whole numbers are exact N (bool counts 1/0)"),
    ValueRule(
        "number-decimal",
        When(_NUM, (Decimal,)),
        n_decimal,
        "exact N from the Decimal's digits, never through float; trailing zeros are dropped "
        "because DynamoDB does not keep them (12.50 reads back 12.5)",
    ),
    ValueRule(
        "number-float",
        When(_NUM, (float,)),
        n_float,
        "repr is the shortest text reading back as the same double (SQLite returns NUMERIC/REAL so); "
        "NaN and Infinity have no DynamoDB form: rejected",
    ),
    ValueRule(
        "number-text", When(_NUM, (str,)), n_value, "numbers some drivers return as text: parsed exactly, else rejected"
    ),
    ValueRule(
        "number-bit",
        When(_on("integer"), BYTES),
        lambda v: {"N": str(int.from_bytes(bytes(v), "big"))},
        "MySQL BIT(n) arrives as big-endian bytes",
    ),
    ValueRule("boolean-bool", When(_on("boolean"), (bool,)), lambda v: {"BOOL": v}, "a flag: BOOL"),
    ValueRule(
        "boolean-number",
        When(_on("boolean"), (int, Decimal, float)),
        bool_from_number,
        "MySQL tinyint(1) and SQLite store flags as 0/1; any other number is not a flag: rejected",
    ),
    ValueRule(
        "boolean-bit",
        When(_on("boolean"), BYTES),
        lambda v: bool_from_number(int.from_bytes(bytes(v), "big")),
        "MySQL BIT(1) arrives as one byte",
    ),
    ValueRule(
        "boolean-text", When(_on("boolean"), (str,)), bool_from_text, "PostgreSQL's t/f, and true/yes/on/1 spellings"
    ),
    ValueRule(
        "text-str",
        When(_TEXT, (str,)),
        s_value,
        "S; empty strings are kept (allowed outside keys); lone surrogates (invalid UTF-8) are rejected",
    ),
    ValueRule(
        "text-bytes",
        When(_TEXT, BYTES),
        lambda v: s_value(utf8_text(v)),
        "MySQL returns text of a binary collation as bytes: decoded as UTF-8, rejected when it is not",
    ),
    ValueRule(
        "text-scalar",
        When(_TEXT, _TEXT_SCALARS),
        s_from_scalar,
        "SQLite lets a text column hold a number, psycopg returns inet/cidr as ipaddress objects: their text",
    ),
    ValueRule("uuid-uuid", When(_on("uuid"), (UUID,)), lambda v: {"S": str(v)}, "canonical lower-case hyphenated text"),
    ValueRule(
        "uuid-text", When(_on("uuid"), (str,)), s_from_uuid, "UUIDs kept as text: re-spelled canonically, else rejected"
    ),
    ValueRule("uuid-bytes", When(_on("uuid"), BYTES), s_from_uuid, "BINARY(16) UUIDs: 16 big-endian bytes"),
    ValueRule(
        "date",
        When(_on("date"), (date, str)),
        lambda v: {"S": date_text(v)},
        "YYYY-MM-DD; SQLite text is parsed; a time of day, MySQL's zero date and non-dates are rejected",
    ),
    ValueRule(
        "datetime",
        When(_DT, (date,)),
        lambda v: {"S": datetime_text(v)},
        "ISO-8601: naive as is without offset, aware in UTC as .ffffffZ (text order = time order); "
        "a date is its midnight",
    ),
    ValueRule(
        "datetime-text",
        When(_DT, (str,)),
        datetime_from_text,
        "SQLite stores date-times as text ('2025-01-01 10:00:00.000000'): parsed and spelled as a datetime; "
        "MySQL's zero date and non-dates are rejected",
    ),
    ValueRule(
        "time",
        When(_on("time"), (time, timedelta, str)),
        lambda v: {"S": time_text(v)},
        "HH:MM:SS[.ffffff][+HH:MM]; PyMySQL's timedelta for MySQL TIME keeps its sign and hours past 23",
    ),
    ValueRule(
        "interval",
        When(_on("interval"), (timedelta,)),
        lambda v: {"S": duration_text(v)},
        "ISO-8601 duration (P1DT2H30M, -P1D)",
    ),
    ValueRule("interval-text", When(_on("interval"), (str,)), s_value, "interval text is kept as written"),
    ValueRule(
        "json-document",
        When(_on("json"), (Mapping, list, tuple, bool, int, float, Decimal)),
        infer,
        "psycopg returns JSON parsed: objects M, arrays L, numbers N, null NULL, empty strings kept",
    ),
    ValueRule(
        "json-text",
        When(_on("json"), (str, *BYTES)),
        json_from_text,
        "PyMySQL and SQLite return JSON as text: parsed, numbers exact; text that is not JSON stays S "
        "(psycopg returns a top-level JSON string as str)",
    ),
    ValueRule("binary", When(_on("binary"), BYTES), lambda v: {"B": bytes(v)}, "bytes, bytearray, memoryview: B"),
    ValueRule(
        "binary-text",
        When(_on("binary"), (str,)),
        lambda v: {"B": v.encode("utf-8", "surrogatepass")},
        "SQLite columns without a declared type (BLOB affinity) may hold text: its UTF-8 bytes",
    ),
    ValueRule(
        "set",
        When(_on("set"), (set, frozenset, list, tuple)),
        lambda v: ss_value(frozenset(v)),
        "MySQL SET: SS; an empty set has no DynamoDB form and is omitted like NULL",
    ),
    ValueRule("set-text", When(_on("set"), (str,)), ss_from_text, "PyMySQL returns SET as comma-separated text"),
    ValueRule("array", When(_on("array"), (list, tuple)), infer, "PostgreSQL arrays: L keeps order, duplicates, NULLs"),
    ValueRule("array-text", When(_on("array"), (str,)), l_from_text, "JSON array text: L; other text is rejected"),
    ValueRule(
        "mismatch",
        When(frozenset(NORMALIZED_TYPES), (object,)),
        reject_unconverted,
        "a value no rule above converts for its column type is rejected, never guessed: add a rule",
    ),
    ValueRule("infer", When(_ANY, (object,)), infer, "an unknown transform: the Python type decides, as in boto3"),
)


class ValueConverter:
    """Converts values with user rules first, then :data:`DEFAULT_RULES`.

    :meth:`converter` compiles one transform's rules into a function that
    picks the rule by the value's class once (rules written with
    :class:`When` and no ``test``), so converting is a dict lookup and a call.
    """

    def __init__(self, user_rules: Sequence[ValueRule] = ()) -> None:
        self.rules: tuple[ValueRule, ...] = tuple(user_rules) + DEFAULT_RULES
        self._compiled: dict[str, tuple[Converter, dict[type, Converter], Callable[[type], Converter]]] = {}

    def converter(self, transform: str) -> Converter:
        """The conversion function for values of columns of normalized type ``transform``."""
        return self._compile(transform)[0]

    def dispatch(self, transform: str) -> tuple[dict[type, Converter], Callable[[type], Converter]]:
        """``(by_class, resolve)``: the rule's convert per value class, and how to fill in an unseen class.

        For hot loops: ``(by_class.get(cls) or resolve(cls))(value)`` is what
        :meth:`converter`'s function does, without its extra call.
        """
        _, by_class, resolve = self._compile(transform)
        return by_class, resolve

    def convert(self, transform: str, value: Any) -> AttributeValue | None:
        """One value's attribute value (None: omit the attribute); :class:`ValueRejected` if impossible."""
        return self._compile(transform)[0](value)

    def rule_for(self, transform: str, value: Any) -> ValueRule | None:
        """The rule that converts ``value`` (first match), for explanations and tests."""
        return next((r for r in self.rules if r.applies(transform, value)), None)

    def _compile(self, transform: str) -> tuple[Converter, dict[type, Converter], Callable[[type], Converter]]:
        known = self._compiled.get(transform)
        if known is not None:
            return known
        candidates = [r for r in self.rules if not isinstance(r.applies, When) or _for(r.applies, transform)]
        by_class: dict[type, Converter] = {}

        def resolve(cls: type) -> Converter:
            entries: list[ValueRule] = []
            for rule in candidates:
                cond = rule.applies
                if isinstance(cond, When):
                    if not issubclass(cls, cond.types):
                        continue
                    entries.append(rule)
                    if cond.test is None:
                        break  # always matches: no later rule can run
                else:
                    entries.append(rule)
            first = entries[0].applies if entries else None
            fn = entries[0].convert if isinstance(first, When) and first.test is None else _scanner(transform, entries)
            by_class[cls] = fn
            return fn

        def convert(value: Any) -> AttributeValue | None:
            fn = by_class.get(value.__class__)
            if fn is None:
                fn = resolve(value.__class__)
            return fn(value)

        self._compiled[transform] = compiled = (convert, by_class, resolve)
        return compiled


def _for(cond: When, transform: str) -> bool:
    return not cond.transforms or transform in cond.transforms


def _scanner(transform: str, rules: Sequence[ValueRule]) -> Converter:
    def scan(value: Any) -> AttributeValue | None:
        for rule in rules:
            if rule.applies(transform, value):
                return rule.convert(value)
        raise ValueRejected(f"no rule converts a {type(value).__name__}")

    return scan
