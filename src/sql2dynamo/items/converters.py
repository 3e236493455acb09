"""The conversions the value rule table (:mod:`~sql2dynamo.items.values`) calls: driver value -> attribute value.

Each function turns one kind of driver value into a boto3 low-level attribute value (``{"N": "12.5"}``),
returns ``None`` to omit the attribute, or raises :class:`ValueRejected`; :func:`infer` decides by the
Python type alone, as boto3's serializer does.  Numbers are exact decimal text, date-times ISO-8601 (see
the rule table's module for the decisions and their reasons).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Any
from uuid import UUID

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.text import shorten

__all__ = [
    "BYTES",
    "MAX_DEPTH",
    "AttributeValue",
    "Converter",
    "ValueRejected",
    "bool_from_number",
    "bool_from_text",
    "date_text",
    "datetime_from_text",
    "datetime_text",
    "duration_text",
    "epoch_seconds",
    "infer",
    "json_from_text",
    "l_from_text",
    "n_decimal",
    "n_float",
    "n_int",
    "n_value",
    "number_text",
    "omit_value",
    "reject_unconverted",
    "s_from_scalar",
    "s_from_uuid",
    "s_value",
    "ss_from_text",
    "ss_value",
    "time_text",
    "utf8_text",
]

AttributeValue = dict[str, Any]
Converter = Callable[[Any], AttributeValue | None]

MAX_DEPTH = 32  # DynamoDB nests maps and lists at most 32 levels deep
_N_DIGITS = 38
_N_MAX_INT = 10**_N_DIGITS
_N_MIN_EXP, _N_MAX_EXP = -130, 125  # adjusted exponent range of DynamoDB numbers
BYTES = (bytes, bytearray, memoryview)


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


def datetime_from_text(text: str) -> AttributeValue:
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
        if text.strip().lower() in ("infinity", "-infinity") or text.rstrip().endswith(" BC"):
            raise ValueRejected(f"{_show(text)} is outside the years 1 to 9999 ISO-8601 text can sort") from None
        raise ValueRejected(f"{_show(text)} is not an ISO-8601 date-time") from None


def date_text(value: Any) -> str:
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


def time_text(value: Any) -> str:
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
    return shorten(repr(value), 60)


def omit_value(value: Any) -> None:
    return None


def s_value(value: str) -> AttributeValue:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueRejected(f"{_show(value)} is not valid UTF-8 (a lone surrogate)") from None
    return {"S": value}


def utf8_text(value: bytes | bytearray | memoryview) -> str:
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise ValueRejected(f"{_show(bytes(value))} is not valid UTF-8") from None


def n_value(value: Any) -> AttributeValue:
    return {"N": number_text(value)}


def n_int(value: int) -> AttributeValue:
    if -_N_MAX_INT < value < _N_MAX_INT:
        return {"N": str(int(value))}
    return {"N": number_text(int(value))}


def n_float(value: float) -> AttributeValue:
    return {"N": _float_text(value)}


def n_decimal(value: Decimal) -> AttributeValue:
    return {"N": _decimal_text(value)}


def bool_from_number(value: Any) -> AttributeValue:
    if value == 0 or value == 1:
        return {"BOOL": bool(value)}
    raise ValueRejected(f"{value} is not a 0/1 flag")


_TRUE = frozenset({"t", "true", "1", "y", "yes", "on"})
_FALSE = frozenset({"f", "false", "0", "n", "no", "off"})


def bool_from_text(value: str) -> AttributeValue:
    word = value.strip().lower()
    if word in _TRUE or word in _FALSE:
        return {"BOOL": word in _TRUE}
    raise ValueRejected(f"{_show(value)} is not a boolean")


def s_from_scalar(value: Any) -> AttributeValue:
    if isinstance(value, bool):
        return {"S": "true" if value else "false"}
    return {"S": repr(value) if isinstance(value, float) else str(value)}


def s_from_uuid(value: Any) -> AttributeValue:
    try:
        if isinstance(value, BYTES):
            return {"S": str(UUID(bytes=bytes(value)))}
        return {"S": str(UUID(value.strip()))}
    except ValueError:
        raise ValueRejected(f"{_show(value)} is not a UUID") from None


def json_from_text(value: Any) -> AttributeValue | None:
    text = utf8_text(value) if isinstance(value, BYTES) else value
    try:
        parsed = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except ValueError:
        return s_value(text)
    return infer(parsed)


def _no_constant(name: str) -> Any:
    raise ValueRejected(f"{name} in a JSON document has no DynamoDB form")


def l_from_text(value: str) -> AttributeValue | None:
    try:
        parsed = json.loads(value, parse_float=Decimal, parse_constant=_no_constant)
    except ValueError:
        parsed = None
    if not isinstance(parsed, list):
        raise ValueRejected(f"{_show(value)} is not a JSON array")
    return infer(parsed)


def ss_from_text(value: str) -> AttributeValue | None:
    return infer(frozenset(value.split(","))) if value else None


def reject_unconverted(value: Any) -> AttributeValue | None:
    raise ValueRejected(f"no rule converts a {type(value).__name__} ({_show(value)}) for this column type")


def infer(value: Any, depth: int = 0) -> AttributeValue | None:
    """The attribute value by the Python type alone, as boto3's serializer does, recursively.

    Nested ``None`` is NULL; a top-level empty set is ``None`` (omit).
    """
    cls = value.__class__
    if cls is str:
        return s_value(value)
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
            if not key:
                # DynamoDB refuses the whole request ("Empty attribute name"), at any depth
                raise ValueRejected("a map key is empty: DynamoDB has no empty attribute names")
            out[key] = _nested(member, depth + 1)
        return {"M": out}
    if isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            raise ValueRejected(f"a document nested deeper than {MAX_DEPTH} levels")
        return {"L": [_nested(member, depth + 1) for member in value]}
    if isinstance(value, (set, frozenset)):
        return ss_value(value)
    return _scalar(value)


def _nested(value: Any, depth: int) -> AttributeValue:
    out = infer(value, depth)
    if out is None:
        raise ValueRejected("an empty set inside a document has no DynamoDB form")
    return out


def ss_value(value: set[Any] | frozenset[Any]) -> AttributeValue | None:
    if not value:
        return None
    if all(isinstance(m, str) for m in value):
        return {"SS": sorted(s_value(m)["S"] for m in value)}
    if all(isinstance(m, (int, float, Decimal)) and not isinstance(m, bool) for m in value):
        return {"NS": sorted({number_text(m) for m in value}, key=Decimal)}
    if all(isinstance(m, BYTES) for m in value):
        return {"BS": sorted(bytes(m) for m in value)}
    raise ValueRejected("a set mixing strings, numbers and bytes has no DynamoDB form")


def _scalar(value: Any) -> AttributeValue:
    if isinstance(value, BYTES):
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
