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

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Any
from uuid import UUID

from sql2dynamo.errors import InputError
from sql2dynamo.source.types import NORMALIZED_TYPES

AttributeValue = dict[str, Any]
Converter = Callable[[Any], AttributeValue | None]

MAX_DEPTH = 32  # DynamoDB nests maps and lists at most 32 levels deep
_N_DIGITS = 38
_N_MAX_INT = 10**_N_DIGITS
_N_MIN_EXP, _N_MAX_EXP = -130, 125  # adjusted exponent range of DynamoDB numbers
_BYTES = (bytes, bytearray, memoryview)


class ValueRejected(InputError):
    """A value DynamoDB cannot hold (NaN, too many digits, invalid UTF-8, an empty key)."""

    kind = "value-rejected"

    def __init__(self, reason: str, **context: Any) -> None:
        super().__init__(reason, **context)
        self.reason = reason


# ------------------------------------------------------------------ numbers


def number_text(value: Any) -> str:
    """The canonical DynamoDB number text of an int, float, Decimal or numeric str."""
    cls = value.__class__
    if cls is int:
        return str(value) if -_N_MAX_INT < value < _N_MAX_INT else _decimal_text(Decimal(value))
    if cls is bool:
        return "1" if value else "0"
    if cls is float:
        return _float_text(value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, int):
        return number_text(int(value))
    if isinstance(value, str):
        try:
            return _decimal_text(Decimal(value.strip()))
        except InvalidOperation:
            raise ValueRejected(f"{_show(value)} is not a number") from None
    raise ValueRejected(f"a {cls.__name__} is not a number")


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        raise ValueRejected(f"{value!r} has no DynamoDB number form")
    text = repr(value)
    if "e" in text:
        return _decimal_text(Decimal(text))
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _decimal_text(value: Decimal) -> str:
    text = str(value)
    if len(text) <= _N_DIGITS and "E" not in text and value.is_finite():
        # the usual case, plain notation with at most 38 digits: only trailing fraction zeros to drop
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if not value.is_finite():
        raise ValueRejected(f"{value} has no DynamoDB number form")
    sign, digits, exp = value.as_tuple()
    assert isinstance(exp, int)  # finite
    if not any(digits):
        return "0"
    end = len(digits)
    while digits[end - 1] == 0:
        end -= 1
    exp += len(digits) - end
    text = "".join(map(str, digits[:end]))
    if len(text) > _N_DIGITS:
        raise ValueRejected(f"{value} has {len(text)} significant digits, DynamoDB keeps 38")
    adjusted = exp + len(text) - 1
    if not _N_MIN_EXP <= adjusted <= _N_MAX_EXP:
        raise ValueRejected(f"{value} is outside DynamoDB's number range (1E-130 to 1E+126)")
    minus = "-" if sign else ""
    if exp >= 0 and adjusted < 40:
        return minus + text + "0" * exp
    if exp < 0 and adjusted >= -20:
        point = len(text) + exp
        return minus + (text[:point] + "." + text[point:] if point > 0 else "0." + "0" * -point + text)
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{minus}{mantissa}E{adjusted:+d}"


# ------------------------------------------------------------------ dates and times


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        return _parse_datetime(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise ValueRejected(f"a {type(value).__name__} is not a date-time")


def datetime_text(value: Any) -> str:
    """ISO-8601 of a datetime, date (midnight) or ISO text: naive as is, aware in UTC with ``Z``."""
    moment = _as_datetime(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.isoformat()
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _datetime_from_text(text: str) -> AttributeValue:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _parse_datetime(text)  # surrounding blanks, or the rejection
    if moment.tzinfo is None:
        return {"S": moment.isoformat()}
    return {"S": datetime_text(moment)}


def _parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        if text.startswith("0000-00-00"):
            raise ValueRejected(f"{_show(text)} is MySQL's zero date: add a rule mapping it (to NULL)") from None
        raise ValueRejected(f"{_show(text)} is not an ISO-8601 date-time") from None


def _date_text(value: Any) -> str:
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                pass
        value = _parse_datetime(text)
    if isinstance(value, datetime):
        if value.tzinfo is not None or value.time() != time():
            raise ValueRejected(f"{value} has a time of day: a date column would lose it")
        return value.date().isoformat()
    return str(value.isoformat())  # a date


def _time_text(value: Any) -> str:
    if isinstance(value, timedelta):
        negative, total = value < timedelta(0), abs(value)
        hours, rest = divmod(total.days * 86400 + total.seconds, 3600)
        text = f"{'-' if negative else ''}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
        return text + (f".{total.microseconds:06d}" if total.microseconds else "")
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value.strip())
        except ValueError:
            raise ValueRejected(f"{_show(value)} is not an ISO-8601 time") from None
    return str(value.isoformat())


def duration_text(value: timedelta) -> str:
    """ISO-8601 duration of a timedelta: ``P1DT2H30M``, ``PT0.5S``, ``-P1D``, ``PT0S``."""
    negative, value = value < timedelta(0), abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if value.microseconds:
        clock += f"{seconds}.{value.microseconds:06d}".rstrip("0") + "S"
    elif seconds:
        clock += f"{seconds}S"
    text = "P" + (f"{value.days}D" if value.days else "") + ("T" + clock if clock else "")
    return ("-" if negative else "") + (text if text != "P" else "PT0S")


def epoch_seconds(value: Any) -> int:
    """Unix seconds of a datetime, date or ISO text; naive values are taken as UTC (TTL precision is hours)."""
    moment = _as_datetime(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return math.floor(moment.timestamp())


# ------------------------------------------------------------------ converters


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _omit(value: Any) -> None:
    return None


def _s(value: str) -> AttributeValue:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueRejected(f"{_show(value)} is not valid UTF-8 (a lone surrogate)") from None
    return {"S": value}


def _decode(value: bytes | bytearray | memoryview) -> str:
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueRejected(f"{_show(bytes(value))} is not valid UTF-8") from None


def _n(value: Any) -> AttributeValue:
    return {"N": number_text(value)}


def _n_int(value: int) -> AttributeValue:
    if -_N_MAX_INT < value < _N_MAX_INT:
        return {"N": str(int(value))}
    return {"N": number_text(int(value))}


def _n_float(value: float) -> AttributeValue:
    return {"N": _float_text(value)}


def _n_decimal(value: Decimal) -> AttributeValue:
    return {"N": _decimal_text(value)}


def _bool_number(value: Any) -> AttributeValue:
    if value == 0 or value == 1:
        return {"BOOL": bool(value)}
    raise ValueRejected(f"{value} is not a 0/1 flag")


_TRUE = frozenset({"t", "true", "1", "y", "yes", "on"})
_FALSE = frozenset({"f", "false", "0", "n", "no", "off"})


def _bool_text(value: str) -> AttributeValue:
    word = value.strip().lower()
    if word in _TRUE or word in _FALSE:
        return {"BOOL": word in _TRUE}
    raise ValueRejected(f"{_show(value)} is not a boolean")


def _text_scalar(value: Any) -> AttributeValue:
    if isinstance(value, bool):
        return {"S": "true" if value else "false"}
    return {"S": repr(value) if isinstance(value, float) else str(value)}


def _uuid(value: Any) -> AttributeValue:
    try:
        if isinstance(value, _BYTES):
            return {"S": str(UUID(bytes=bytes(value)))}
        return {"S": str(UUID(value.strip()))}
    except ValueError:
        raise ValueRejected(f"{_show(value)} is not a UUID") from None


def _json_text(value: Any) -> AttributeValue | None:
    text = _decode(value) if isinstance(value, _BYTES) else value
    try:
        parsed = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except ValueError:
        return _s(text)
    return infer(parsed)


def _no_constant(name: str) -> Any:
    raise ValueRejected(f"{name} in a JSON document has no DynamoDB form")


def _array_text(value: str) -> AttributeValue | None:
    try:
        parsed = json.loads(value, parse_float=Decimal, parse_constant=_no_constant)
    except ValueError:
        parsed = None
    if not isinstance(parsed, list):
        raise ValueRejected(f"{_show(value)} is not a JSON array")
    return infer(parsed)


def _set_text(value: str) -> AttributeValue | None:
    return infer(frozenset(value.split(","))) if value else None


def _mismatch(value: Any) -> AttributeValue | None:
    raise ValueRejected(f"no rule converts a {type(value).__name__} ({_show(value)}) for this column type")


def infer(value: Any, depth: int = 0) -> AttributeValue | None:
    """The attribute value by the Python type alone, as boto3's serializer does, recursively.

    Nested ``None`` is NULL; a top-level empty set is ``None`` (omit).
    """
    cls = value.__class__
    if cls is str:
        return _s(value)
    if cls is bool:
        return {"BOOL": value}
    if cls is int or cls is float or isinstance(value, (int, Decimal)):
        return {"N": number_text(value)}
    if value is None:
        return {"NULL": True}
    if isinstance(value, Mapping):
        if depth >= MAX_DEPTH:
            raise ValueRejected(f"a document nested deeper than {MAX_DEPTH} levels")
        out: dict[str, Any] = {}
        for key, member in value.items():
            if not isinstance(key, str):
                raise ValueRejected(f"a map key {_show(key)} is not a string")
            out[key] = _nested(member, depth + 1)
        return {"M": out}
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            raise ValueRejected(f"a document nested deeper than {MAX_DEPTH} levels")
        return {"L": [_nested(member, depth + 1) for member in value]}
    if isinstance(value, (set, frozenset)):
        return _set(value)
    return _scalar(value)


def _nested(value: Any, depth: int) -> AttributeValue:
    out = infer(value, depth)
    if out is None:
        raise ValueRejected("an empty set inside a document has no DynamoDB form")
    return out


def _set(value: set[Any] | frozenset[Any]) -> AttributeValue | None:
    if not value:
        return None
    if all(isinstance(m, str) for m in value):
        return {"SS": sorted(_s(m)["S"] for m in value)}
    if all(isinstance(m, (int, float, Decimal)) and not isinstance(m, bool) for m in value):
        return {"NS": sorted({number_text(m) for m in value}, key=Decimal)}
    if all(isinstance(m, _BYTES) for m in value):
        return {"BS": sorted(bytes(m) for m in value)}
    raise ValueRejected("a set mixing strings, numbers and bytes has no DynamoDB form")


def _scalar(value: Any) -> AttributeValue:
    if isinstance(value, _BYTES):
        return {"B": bytes(value)}
    if isinstance(value, (datetime, date)):
        return {"S": datetime_text(value) if isinstance(value, datetime) else value.isoformat()}
    if isinstance(value, time):
        return {"S": value.isoformat()}
    if isinstance(value, timedelta):
        return {"S": duration_text(value)}
    if isinstance(value, (UUID, IPv4Address, IPv6Address, IPv4Network, IPv6Network)):
        return {"S": str(value)}
    raise ValueRejected(f"a {type(value).__name__} has no DynamoDB form")


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
    ValueRule("null", When(_ANY, (type(None),)), _omit, "NULL is an absent attribute: sparse indexes rely on absence"),
    ValueRule("number-int", When(_NUM, (int,)), _n_int, "whole numbers are exact N (bool counts 1/0)"),
    ValueRule(
        "number-decimal",
        When(_NUM, (Decimal,)),
        _n_decimal,
        "exact N from the Decimal's digits, never through float; trailing zeros are dropped "
        "because DynamoDB does not keep them (12.50 reads back 12.5)",
    ),
    ValueRule(
        "number-float",
        When(_NUM, (float,)),
        _n_float,
        "repr is the shortest text reading back as the same double (SQLite returns NUMERIC/REAL so); "
        "NaN and Infinity have no DynamoDB form: rejected",
    ),
    ValueRule(
        "number-text", When(_NUM, (str,)), _n, "numbers some drivers return as text: parsed exactly, else rejected"
    ),
    ValueRule(
        "number-bit",
        When(_on("integer"), _BYTES),
        lambda v: {"N": str(int.from_bytes(bytes(v), "big"))},
        "MySQL BIT(n) arrives as big-endian bytes",
    ),
    ValueRule("boolean-bool", When(_on("boolean"), (bool,)), lambda v: {"BOOL": v}, "a flag: BOOL"),
    ValueRule(
        "boolean-number",
        When(_on("boolean"), (int, Decimal, float)),
        _bool_number,
        "MySQL tinyint(1) and SQLite store flags as 0/1; any other number is not a flag: rejected",
    ),
    ValueRule(
        "boolean-bit",
        When(_on("boolean"), _BYTES),
        lambda v: _bool_number(int.from_bytes(bytes(v), "big")),
        "MySQL BIT(1) arrives as one byte",
    ),
    ValueRule(
        "boolean-text", When(_on("boolean"), (str,)), _bool_text, "PostgreSQL's t/f, and true/yes/on/1 spellings"
    ),
    ValueRule(
        "text-str",
        When(_TEXT, (str,)),
        _s,
        "S; empty strings are kept (allowed outside keys); lone surrogates (invalid UTF-8) are rejected",
    ),
    ValueRule(
        "text-bytes",
        When(_TEXT, _BYTES),
        lambda v: _s(_decode(v)),
        "MySQL returns text of a binary collation as bytes: decoded as UTF-8, rejected when it is not",
    ),
    ValueRule(
        "text-scalar",
        When(_TEXT, _TEXT_SCALARS),
        _text_scalar,
        "SQLite lets a text column hold a number, psycopg returns inet/cidr as ipaddress objects: their text",
    ),
    ValueRule("uuid-uuid", When(_on("uuid"), (UUID,)), lambda v: {"S": str(v)}, "canonical lower-case hyphenated text"),
    ValueRule(
        "uuid-text", When(_on("uuid"), (str,)), _uuid, "UUIDs kept as text: re-spelled canonically, else rejected"
    ),
    ValueRule("uuid-bytes", When(_on("uuid"), _BYTES), _uuid, "BINARY(16) UUIDs: 16 big-endian bytes"),
    ValueRule(
        "date",
        When(_on("date"), (date, str)),
        lambda v: {"S": _date_text(v)},
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
        _datetime_from_text,
        "SQLite stores date-times as text ('2025-01-01 10:00:00.000000'): parsed and spelled as a datetime; "
        "MySQL's zero date and non-dates are rejected",
    ),
    ValueRule(
        "time",
        When(_on("time"), (time, timedelta, str)),
        lambda v: {"S": _time_text(v)},
        "HH:MM:SS[.ffffff][+HH:MM]; PyMySQL's timedelta for MySQL TIME keeps its sign and hours past 23",
    ),
    ValueRule(
        "interval",
        When(_on("interval"), (timedelta,)),
        lambda v: {"S": duration_text(v)},
        "ISO-8601 duration (P1DT2H30M, -P1D)",
    ),
    ValueRule("interval-text", When(_on("interval"), (str,)), _s, "interval text is kept as written"),
    ValueRule(
        "json-document",
        When(_on("json"), (Mapping, list, tuple, bool, int, float, Decimal)),
        infer,
        "psycopg returns JSON parsed: objects M, arrays L, numbers N, null NULL, empty strings kept",
    ),
    ValueRule(
        "json-text",
        When(_on("json"), (str, *_BYTES)),
        _json_text,
        "PyMySQL and SQLite return JSON as text: parsed, numbers exact; text that is not JSON stays S "
        "(psycopg returns a top-level JSON string as str)",
    ),
    ValueRule("binary", When(_on("binary"), _BYTES), lambda v: {"B": bytes(v)}, "bytes, bytearray, memoryview: B"),
    ValueRule(
        "binary-text",
        When(_on("binary"), (str,)),
        lambda v: {"B": v.encode("utf-8", "surrogatepass")},
        "SQLite columns without a declared type (BLOB affinity) may hold text: its UTF-8 bytes",
    ),
    ValueRule(
        "set",
        When(_on("set"), (set, frozenset, list, tuple)),
        lambda v: _set(frozenset(v)),
        "MySQL SET: SS; an empty set has no DynamoDB form and is omitted like NULL",
    ),
    ValueRule("set-text", When(_on("set"), (str,)), _set_text, "PyMySQL returns SET as comma-separated text"),
    ValueRule("array", When(_on("array"), (list, tuple)), infer, "PostgreSQL arrays: L keeps order, duplicates, NULLs"),
    ValueRule("array-text", When(_on("array"), (str,)), _array_text, "JSON array text: L; other text is rejected"),
    ValueRule(
        "mismatch",
        When(frozenset(NORMALIZED_TYPES), (object,)),
        _mismatch,
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
