"""DynamoDB attribute values back to the source's Python values: the inverse of :mod:`sql2dynamo.items.values`.

``decode_value(transform, av)`` undoes what migrate's default rules wrote for
a column of normalized type ``transform`` (``AttributeSpec.transform``):
numbers come back as ``int`` / ``Decimal`` / ``float`` as the column was,
ISO texts as ``date`` / ``datetime`` / ``time``, ISO durations as
``timedelta``, sets as ``frozenset``, documents as ``dict`` / ``list`` with
exact numbers.  The table is tested as a table (tests/runtime/test_types.py)
against migrate's encoder, so the round trip stays exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sql2dynamo.runtime.errors import InvalidRequest

AttributeValue = dict[str, Any]

PYTHON_TYPES: dict[str, str] = {
    "integer": "int",
    "decimal": "Decimal",
    "float": "float",
    "boolean": "bool",
    "string": "str",
    "uuid": "str",
    "enum": "str",
    "date": "datetime.date",
    "datetime": "datetime.datetime",
    "datetime_tz": "datetime.datetime",
    "time": "datetime.time",
    "interval": "datetime.timedelta",
    "json": "Any",
    "binary": "bytes",
    "set": "frozenset[str]",
    "array": "list[Any]",
}
"""Normalized source type -> the annotation of the values :func:`decode_value` returns for it."""


def python_annotation(transform: str) -> str:
    """The annotation text of a column of normalized type ``transform`` (``Any`` for an unknown one)."""
    return PYTHON_TYPES.get(transform, "Any")


# ------------------------------------------------------------------ generic (documents, unknown transforms)


def _number(text: str) -> int | Decimal:
    """An N as an int when it is whole and written without a point or exponent, else an exact Decimal."""
    if "." not in text and "e" not in text and "E" not in text:
        return int(text)
    return Decimal(text)


def plain(av: AttributeValue) -> Any:
    """A low-level attribute value as plain Python, by its DynamoDB type alone (documents, unknown types)."""
    ((kind, payload),) = av.items()
    if kind == "S":
        return payload
    if kind == "N":
        return _number(payload)
    if kind == "BOOL":
        return bool(payload)
    if kind == "NULL":
        return None
    if kind == "B":
        return bytes(payload)
    if kind == "M":
        return {k: plain(v) for k, v in payload.items()}
    if kind == "L":
        return [plain(v) for v in payload]
    if kind == "SS":
        return frozenset(payload)
    if kind == "NS":
        return frozenset(_number(n) for n in payload)
    if kind == "BS":
        return frozenset(bytes(b) for b in payload)
    raise InvalidRequest(f"unknown DynamoDB attribute type {kind!r}")


# ------------------------------------------------------------------ per transform


def _integer(av: AttributeValue) -> Any:
    if "N" in av:
        value = Decimal(av["N"])
        return int(value) if value == value.to_integral_value() else value
    if "BOOL" in av:
        return int(av["BOOL"])
    if "S" in av and re.fullmatch(r"-?\d+", av["S"]):
        return int(av["S"])  # a key typed S built from the integer column alone
    return plain(av)


def _decimal(av: AttributeValue) -> Any:
    return Decimal(av["N"]) if "N" in av else plain(av)


def _float(av: AttributeValue) -> Any:
    return float(av["N"]) if "N" in av else plain(av)


def _boolean(av: AttributeValue) -> Any:
    if "BOOL" in av:
        return bool(av["BOOL"])
    if "N" in av:
        return Decimal(av["N"]) != 0
    return plain(av)


def _text(av: AttributeValue) -> Any:
    if "S" in av:
        return av["S"]
    if "N" in av:
        return av["N"]
    return plain(av)


def _date(av: AttributeValue) -> Any:
    if "S" not in av:
        return plain(av)
    text = av["S"]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return text  # text a user rule wrote: handed back as it is


def _datetime(av: AttributeValue) -> Any:
    if "S" not in av:
        return plain(av)
    text = av["S"]
    try:
        return datetime.fromisoformat(text)  # aware values were written in UTC with Z: they come back aware
    except ValueError:
        return text


def _time(av: AttributeValue) -> Any:
    if "S" not in av:
        return plain(av)
    text = av["S"]
    try:
        return time.fromisoformat(text)
    except ValueError:
        pass
    # MySQL TIME is a duration (-838:59:59 .. 838:59:59): PyMySQL gave a timedelta, written as [-]HH:MM:SS[.f]
    m = re.fullmatch(r"(-?)(\d+):(\d\d):(\d\d)(?:\.(\d{1,6}))?", text)
    if m is None:
        return text
    sign, hours, minutes, seconds, fraction = m.groups()
    delta = timedelta(
        hours=int(hours), minutes=int(minutes), seconds=int(seconds), microseconds=int((fraction or "0").ljust(6, "0"))
    )
    return -delta if sign else delta


_DURATION = re.compile(r"(-?)P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d{1,6}))?S)?)?")


def parse_duration(text: str) -> timedelta | None:
    """The timedelta of an ISO-8601 duration as :func:`~sql2dynamo.items.values.duration_text` writes it."""
    m = _DURATION.fullmatch(text)
    if m is None or text in ("P", "-P") or text.endswith("T"):
        return None
    sign, days, hours, minutes, seconds, fraction = m.groups()
    delta = timedelta(
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=int(seconds or 0),
        microseconds=int((fraction or "0").ljust(6, "0")),
    )
    return -delta if sign else delta


def _interval(av: AttributeValue) -> Any:
    if "S" not in av:
        return plain(av)
    parsed = parse_duration(av["S"])
    return av["S"] if parsed is None else parsed  # interval text the source gave as text stays text


def _binary(av: AttributeValue) -> Any:
    return bytes(av["B"]) if "B" in av else plain(av)


def _set(av: AttributeValue) -> Any:
    if "SS" in av:
        return frozenset(av["SS"])
    return plain(av)


_DECODERS: dict[str, Callable[[AttributeValue], Any]] = {
    "integer": _integer,
    "decimal": _decimal,
    "float": _float,
    "boolean": _boolean,
    "string": _text,
    "enum": _text,
    "uuid": _text,
    "date": _date,
    "datetime": _datetime,
    "datetime_tz": _datetime,
    "time": _time,
    "interval": _interval,
    "json": plain,
    "binary": _binary,
    "set": _set,
    "array": plain,
}


def decode_value(transform: str, attribute_value: AttributeValue) -> object:
    """The source Python value of a DynamoDB attribute value written for a column of type ``transform``.

    ``{"NULL": True}`` is ``None``; an unknown transform decodes by the
    attribute's DynamoDB type alone (as boto3's deserializer, numbers exact).
    """
    if not attribute_value or len(attribute_value) != 1:
        raise InvalidRequest(f"not an attribute value: {attribute_value!r}")
    if "NULL" in attribute_value:
        return None
    return _DECODERS.get(transform, plain)(attribute_value)


__all__ = ["PYTHON_TYPES", "decode_value", "parse_duration", "plain", "python_annotation"]
