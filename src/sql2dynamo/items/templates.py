"""Key templates: how a key attribute's value is built from a row (and a plan's value from parameters).

The language (see :mod:`sql2dynamo.design.model`): constant text and fields.

==================  ==============================================================
``{column}``        the column's value; alone it keeps its type (``N`` stays N),
                    inside text it is the value's text as an attribute spells it
                    (numbers canonical, date-times ISO-8601, booleans ``true`` /
                    ``false``, bytes base64)
``{column:date}``   the day ``YYYY-MM-DD`` of a date-time, date or ISO text (the
                    UTC day of an aware date-time): date-bucketed keys
``{column:pad}``    an integer as 20 zero-padded digits so string order is numeric
                    order; a negative number is ``-`` and the 20-digit complement
                    ``10**20 + n``, so negatives sort first and among themselves
                    numerically (-10 < -5 < 3 < 10)
``{:param}``        (plans only) a SQL parameter of the access pattern, with the
                    same ``:date`` and ``:pad`` formats
==================  ==============================================================

A key whose column is NULL, or whose value renders empty, cannot be written:
:class:`EmptyKey` (a :class:`ValueRejected`) says so.  An empty string inside
text (``PROBLEM#{platform}`` with ``platform = ''``) is fine: the key is not empty.

**Composed keys are injective.**  Inside text, a field followed by literal
text (``{b}`` in ``{b}#{c}``) has every ``\\`` and every occurrence of that
literal's first character (the separator, ``#``) escaped with a ``\\``
(:func:`~sql2dynamo.common.keytext.escape_field`), so ``('x#y', 'z')`` gives ``x\\#y#z`` and
``('x', 'y#z')`` gives ``x#y#z``: two rows never share a key.  The last field
of a template that ends with it is not escaped: nothing follows it to be
confused with, and its values keep their own order, so a range on the sort
key's last field and ``begins_with`` on a prefix of whole fields (``x#``)
work exactly as before.  Plain values (numbers, dates, ``:pad``, ``:date``,
text without ``#`` or ``\\``) are spelled unchanged.  Items (migrate, sync,
verify, dual-write) and plan values (the runtime) are both rendered here, so
they always agree; :func:`split_key` reads the fields back.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.keytext import ESCAPE, escape_field
from sql2dynamo.design.model import KeyPart
from sql2dynamo.items.converters import AttributeValue, Converter, ValueRejected, datetime_text, infer, number_text

PAD_WIDTH = 20
_PAD_LIMIT = 10**PAD_WIDTH
FORMATS = ("date", "pad")
KeyRenderer = Callable[[Mapping[str, Any]], AttributeValue]


class EmptyKey(ValueRejected):
    """A key field is NULL or the key renders empty: DynamoDB refuses empty key values."""


@dataclass(frozen=True)
class Field:
    """One ``{name}`` / ``{name:format}`` / ``{:param}`` field of a template."""

    name: str
    format: str | None = None  # None, "date" or "pad"
    param: bool = False


TemplatePart = str | Field
_FIELD = re.compile(r"\{(:?)([^{}:]+)(?::([^{}:]*))?\}")


@lru_cache(maxsize=4096)
def _parse(template: str) -> tuple[TemplatePart, ...]:
    parts: list[TemplatePart] = []
    pos = 0
    for m in _FIELD.finditer(template):
        parts.append(template[pos : m.start()])
        fmt = m.group(3)
        if fmt is not None and fmt not in FORMATS:
            raise InputError(f"template {template!r}: unknown format :{fmt}", hint="formats are :date and :pad")
        parts.append(Field(m.group(2).strip(), fmt, m.group(1) == ":"))
        pos = m.end()
    parts.append(template[pos:])
    out = tuple(p for p in parts if p != "")
    if any(isinstance(p, str) and ("{" in p or "}" in p) for p in out):
        raise InputError(f"template {template!r}: unbalanced or empty braces", hint="fields are {column} or {:param}")
    return out


def parse_template(template: str) -> list[TemplatePart]:
    """The template as literal strings and :class:`Field` objects, in order."""
    return list(_parse(template))


# ------------------------------------------------------------------ escaping


@lru_cache(maxsize=4096)
def _stops(template: str) -> tuple[str | None, ...]:
    """Per part of ``template``: for a field, the separator its text must escape (None: none); literals: None."""
    parts = _parse(template)
    out: list[str | None] = []
    for i, part in enumerate(parts):
        following = parts[i + 1] if i + 1 < len(parts) else None
        out.append(following[0] if isinstance(part, Field) and isinstance(following, str) else None)
    return tuple(out)


def split_key(template: str, text: str) -> dict[str, str]:
    """The field texts (unescaped) a composed key ``text`` was built from: the inverse of rendering.

    Raises ``ValueError`` when ``text`` was not rendered from ``template``.
    """
    parts = _parse(template)
    stops = _stops(template)
    out: dict[str, str] = {}
    pos = 0
    for i, part in enumerate(parts):
        if isinstance(part, str):
            if not text.startswith(part, pos):
                raise ValueError(f"{text!r} does not match {template!r} at {pos}")
            pos += len(part)
            continue
        stop = stops[i]
        if stop is None:
            following = parts[i + 1] if i + 1 < len(parts) else ""
            if isinstance(following, Field):
                raise ValueError(f"{template!r}: adjacent fields cannot be told apart")
            out[part.name] = text[pos:]
            pos = len(text)
            continue
        chars: list[str] = []
        while pos < len(text) and text[pos] != stop:
            if text[pos] == ESCAPE:
                if pos + 1 >= len(text):
                    raise ValueError(f"{text!r}: a lone escape at its end")
                pos += 1
            chars.append(text[pos])
            pos += 1
        out[part.name] = "".join(chars)
    if pos != len(text):
        raise ValueError(f"{text!r} has text past the end of {template!r}")
    return out


# ------------------------------------------------------------------ field text


def pad_text(value: Any) -> str:
    """An integer as :data:`PAD_WIDTH` digits sorting in numeric order (negatives: ``-`` + complement)."""
    if value.__class__ is int and 0 <= value < _PAD_LIMIT:
        return f"{value:020d}"
    if isinstance(value, str):
        value = value.strip()
    try:
        number = Decimal(value) if not isinstance(value, int) else value
    except (InvalidOperation, TypeError, ValueError):
        raise ValueRejected(f"{value!r} is not an integer") from None
    if isinstance(number, Decimal):
        if not number.is_finite() or number != number.to_integral_value():
            raise ValueRejected(f"{value!r} is not an integer: :pad needs one")
        number = int(number)
    if not -_PAD_LIMIT < number < _PAD_LIMIT:
        raise ValueRejected(f"{number} has more than {PAD_WIDTH} digits: :pad cannot order it")
    return f"{number:0{PAD_WIDTH}d}" if number >= 0 else f"-{_PAD_LIMIT + number:0{PAD_WIDTH}d}"


def day_text(value: Any) -> str:
    """``YYYY-MM-DD`` of a date-time (UTC day when aware), a date, or ISO text."""
    return datetime_text(value)[:10]


def value_text(av: AttributeValue) -> str:
    """How a scalar attribute value reads inside a string key."""
    ((kind, payload),) = av.items()
    if kind == "S" or kind == "N":
        return str(payload)
    if kind == "BOOL":
        return "true" if payload else "false"
    if kind == "B":
        return base64.b64encode(payload).decode("ascii")
    raise ValueRejected(f"a {kind} value cannot be part of a key")


def _field_text(field: Field, value: Any, convert: Converter) -> str:
    if field.format == "pad":
        return pad_text(value)
    if field.format == "date":
        return day_text(value)
    av = convert(value)
    if av is None:
        raise EmptyKey(f"empty key: {field.name} has no value")
    return value_text(av)


# ------------------------------------------------------------------ keys


def compile_key(part: KeyPart, converters: Mapping[str, Converter] | None = None) -> KeyRenderer:
    """A function ``row -> attribute value`` for one key attribute (compile once, call per row).

    ``converters`` maps a column to its value converter (from the column's
    transform), so a key spells a value exactly as the attribute does;
    without one a value's Python type decides.
    """
    parts = _parse(part.template)
    conv = converters or {}
    attr, kind = part.attribute, part.type
    if any(isinstance(p, Field) and p.param for p in parts):
        raise InputError(f"key {attr}: template {part.template!r} names a parameter, items are built from columns")
    if not any(isinstance(p, Field) for p in parts):
        constant = _constant(attr, kind, "".join(p for p in parts if isinstance(p, str)))
        return lambda row: dict(constant)
    if len(parts) == 1 and isinstance(parts[0], Field) and parts[0].format is None:
        return _single(attr, kind, parts[0].name, conv.get(parts[0].name, infer))
    if kind != "S":
        raise InputError(f"key {attr}: template {part.template!r} builds text, but the key is typed {kind}")
    return _composite(attr, part.template, parts, conv)


def _constant(attr: str, kind: str, text: str) -> AttributeValue:
    if not text:
        raise InputError(f"key {attr}: an empty template")
    if kind == "N":
        return {"N": number_text(text)}
    return {"B": text.encode("utf-8")} if kind == "B" else {"S": text}


def _single(attr: str, kind: str, column: str, convert: Converter) -> KeyRenderer:
    def render(row: Mapping[str, Any]) -> AttributeValue:
        value = row[column]
        if value is None:
            raise EmptyKey(f"empty key {attr}: {column} is NULL")
        av = convert(value)
        if av is None:
            raise EmptyKey(f"empty key {attr}: {column} has no value")
        if kind in av:
            if av[kind] == "" or av[kind] == b"":
                raise EmptyKey(f"empty key {attr}: {column} is empty")
            return av
        if kind == "S":
            return {"S": value_text(av)}
        if kind == "B" and "S" in av and av["S"]:
            return {"B": av["S"].encode("utf-8")}
        raise ValueRejected(f"key {attr} is typed {kind} but {column} holds {next(iter(av))}")

    return render


def _text_function(field: Field, convert: Converter) -> Callable[[Any], str]:
    if field.format == "pad":
        return pad_text
    if field.format == "date":
        return day_text

    def plain(value: Any) -> str:
        av = convert(value)
        if av is None:
            raise EmptyKey(f"empty key: {field.name} has no value")
        text = av.get("S")
        return text if text is not None else value_text(av)

    return plain


def _composite(
    attr: str, template: str, parts: tuple[TemplatePart, ...], converters: Mapping[str, Converter]
) -> KeyRenderer:
    # (literal before the field, column, field -> text, separator to escape) per field, then the last literal
    steps: list[tuple[str, str, Callable[[Any], str], str | None]] = []
    literal = ""
    for p, stop in zip(parts, _stops(template), strict=True):
        if isinstance(p, str):
            literal += p
        else:
            steps.append((literal, p.name, _text_function(p, converters.get(p.name, infer)), stop))
            literal = ""
    tail = literal
    if len(steps) == 1 and (steps[0][0] or tail):
        # the common PREFIX#{column} shape: one field, never empty thanks to its literal text
        head, column, text_of, stop = steps[0]

        def render_one(row: Mapping[str, Any]) -> AttributeValue:
            value = row[column]
            if value is None:
                raise EmptyKey(f"empty key {attr}: {column} is NULL")
            return {"S": head + escape_field(text_of(value), stop) + tail}

        return render_one

    def render(row: Mapping[str, Any]) -> AttributeValue:
        text = ""
        for head, column, text_of, stop in steps:
            value = row[column]
            if value is None:
                raise EmptyKey(f"empty key {attr}: {column} is NULL")
            text += head + escape_field(text_of(value), stop)
        text += tail
        if not text:
            raise EmptyKey(f"empty key {attr}: it renders empty")
        return {"S": text}

    return render


@lru_cache(maxsize=1024)
def _default_renderer(part: KeyPart) -> KeyRenderer:
    return compile_key(part)


def render_key(
    part: KeyPart, row: Mapping[str, Any], *, converters: Mapping[str, Converter] | None = None
) -> AttributeValue:
    """The key attribute value (``{"S"|"N"|"B": ...}``) of ``part`` for ``row``.

    Raises :class:`EmptyKey` when a field is NULL or the key renders empty,
    :class:`ValueRejected` when a value cannot be rendered (not an integer for
    ``:pad``, not a date for ``:date``).  For many rows use :func:`compile_key`.
    """
    renderer = compile_key(part, converters) if converters else _default_renderer(part)
    return renderer(row)


# ------------------------------------------------------------------ plan values


def render_value_template(
    template: str,
    params: Mapping[str, Any],
    *,
    row: Mapping[str, Any] | None = None,
    kind: str | None = None,
    converters: Mapping[str, Converter] | None = None,
) -> AttributeValue:
    """A plan's value template rendered: ``{:p}`` from ``params`` (names without ``:``), ``{col}`` from ``row``.

    A template that is one bare field keeps its value's type (``None`` gives
    ``{"NULL": True}``) unless ``kind`` (``S``, ``N``, ``B``, ``BOOL``) asks
    for another; text with fields is ``S`` and a NULL field in it is a
    :class:`ValueRejected`.  Constant text is ``S``, or the SQL literal read
    as ``kind`` (``TRUE`` for BOOL, ``42`` for N).  ``converters`` maps a
    field name to the converter of the column it stands for, so ``'2025-01-01
    10:00:00'`` is spelled as the stored attribute is (``2025-01-01T10:00:00``).
    """
    parts = _parse(template)
    conv = converters or {}

    def value_of(field: Field) -> Any:
        if field.param:
            if field.name not in params:
                raise KeyError(f"template {template!r} needs parameter :{field.name}")
            return params[field.name]
        if row is None or field.name not in row:
            raise KeyError(f"template {template!r} needs column {field.name} of the row")
        return row[field.name]

    fields = [p for p in parts if isinstance(p, Field)]
    if not fields:
        return _literal("".join(p for p in parts if isinstance(p, str)), kind)
    if len(parts) == 1 and fields[0].format is None:
        value = value_of(fields[0])
        if value is None:
            return {"NULL": True}
        av = conv.get(fields[0].name, infer)(value)
        if av is None:
            return {"NULL": True}
        return av if kind is None or kind in av else _as_type(av, kind)
    pieces: list[str] = []
    for p, stop in zip(parts, _stops(template), strict=True):
        if isinstance(p, str):
            pieces.append(p)
            continue
        value = value_of(p)
        if value is None:
            raise ValueRejected(f"empty value: {p.name} is NULL in {template!r}")
        pieces.append(escape_field(_field_text(p, value, conv.get(p.name, infer)), stop))
    return {"S": "".join(pieces)}


def _literal(text: str, kind: str | None) -> AttributeValue:
    if kind == "BOOL" and text.upper() in ("TRUE", "FALSE"):
        return {"BOOL": text.upper() == "TRUE"}
    if kind == "N":
        return {"N": number_text(text)}
    return {"B": text.encode("utf-8")} if kind == "B" else {"S": text}


def _as_type(av: AttributeValue, kind: str) -> AttributeValue:
    text = value_text(av)
    if kind == "S":
        return {"S": text}
    if kind == "N":
        return {"N": number_text(text)}
    if kind == "B":
        return {"B": text.encode("utf-8")}
    if kind == "BOOL" and "N" in av and av["N"] in ("0", "1"):
        return {"BOOL": av["N"] == "1"}
    raise ValueRejected(f"a {next(iter(av))} value cannot be written as {kind}")
