"""Rebuild frozen dataclasses from their JSON form, guided by their type hints.

Stage outputs are written with ``dataclasses.asdict`` (tuples as lists);
:func:`from_dict` reverses that for any dataclass made of scalars, tuples,
dicts, optionals and other such dataclasses, so each stage's reader is one
line and cannot drift from its writer.  :func:`json_text` writes the JSON of
a stage file.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def to_dict(obj: Any) -> dict[str, Any]:
    """Like ``dataclasses.asdict``, with tuples as lists, ready for ``json.dumps``.

    Written out because ``asdict`` deep-copies every leaf: on a model of
    hundreds of tables that copy was most of the time spent writing it.
    """
    return _plain(obj)  # type: ignore[no-any-return]


@cache
def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass, ``None`` for any other type."""
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None


def _plain(value: Any) -> Any:
    cls: Any = type(value)
    if cls is tuple or cls is list:
        return [_plain(v) for v in value]
    if cls is dict:
        return {k: _plain(v) for k, v in value.items()}
    if cls is str or cls is int or cls is float or cls is bool or value is None:
        return value
    names = _field_names(cls)
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    return value


def from_dict(cls: type[T], data: Any) -> T:
    """An instance of dataclass ``cls`` from ``data`` (unknown keys are ignored)."""
    tp: Any = cls
    return _converter(tp)(data)  # type: ignore[no-any-return]


def _same(value: Any) -> Any:
    return value


@cache
def _converter(tp: Any) -> Callable[[Any], Any]:
    """The function that rebuilds a value of type ``tp`` (``None`` stays ``None``), the hints read once per type.

    A union takes its first dataclass member for a dict, else its only non-None
    member; a tuple or dict converts its items; a dataclass its fields (unknown
    keys ignored); anything else is kept as it is.
    """
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        records: list[Any] = [o for o in options if dataclasses.is_dataclass(o)]
        record = _converter(records[0]) if records else None
        only = _converter(options[0]) if len(options) == 1 else _same

        def union(value: Any) -> Any:
            if record is not None and isinstance(value, dict):
                return record(value)
            return only(value)

        return union
    if origin is tuple:
        args = typing.get_args(tp)
        item = _converter(args[0] if args else Any)

        def sequence(value: Any) -> Any:
            if value is None:
                return None
            return tuple(value) if item is _same else tuple(item(v) for v in value)

        return sequence
    if origin is dict:
        _, val_tp = typing.get_args(tp) or (Any, Any)
        val = _converter(val_tp)

        def mapping(value: Any) -> Any:
            if value is None:
                return None
            return dict(value.items()) if val is _same else {k: val(v) for k, v in value.items()}

        return mapping
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        cls = tp

        def record_of(value: Any) -> Any:
            if value is None:
                return None
            fields = _field_converters(cls)
            return cls(**{k: fields[k](v) for k, v in value.items() if k in fields})

        return record_of
    return _same


@cache
def _field_converters(cls: type) -> dict[str, Callable[[Any], Any]]:
    # Resolved on first use, not in _converter: a dataclass may contain itself (PlanStep.items).
    hints = _hints(cls)
    return {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}


def json_text(data: Any) -> str:
    """``json.dumps(to_dict(data), indent=2, ensure_ascii=False)``: the same text, written faster.

    The standard library's C encoder ignores ``indent`` (before Python 3.14), so
    an indented dump runs its pure-Python generators, one per nesting level for
    every value: on a model of hundreds of tables most of the time spent
    writing it.  This is one recursion over the same rules as
    ``allow_nan=False`` (``NaN`` and ``Infinity`` raise ``ValueError``: the
    files are strict JSON), no key sorting, non-string keys as ``json`` converts
    them), which reads dataclasses field by field as :func:`to_dict` does
    without building its dicts; values of other types raise :class:`TypeError`,
    as ``json`` does.
    """
    out: list[str] = []
    _write(data, "\n", out)
    return "".join(out)


def _float_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        # strict JSON, as json.dumps(allow_nan=False): NaN and Infinity are not JSON and other readers refuse them
        raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
    return float.__repr__(value)


_encode_str = json.encoder.encode_basestring  # the C function when available, as json.dumps uses
# The JSON of a scalar, by its exact type: most values are scalars, written by the container's loop.
_SCALARS: dict[type, Callable[[Any], str]] = {
    str: _encode_str,
    int: int.__repr__,
    float: _float_text,
    bool: lambda value: "true" if value else "false",
    type(None): lambda value: "null",
}


def _write(value: Any, newline: str, out: list[str]) -> None:
    # newline: a line break and the current indentation
    cls: Any = type(value)
    if isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            scalar = _SCALARS.get(type(item))
            if scalar is not None:
                out.append(separator + scalar(item))
            else:
                out.append(separator)
                _write(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            head = separator + _encode_str(key if isinstance(key, str) else _key_text(key)) + ": "
            scalar = _SCALARS.get(type(item))
            if scalar is not None:
                out.append(head + scalar(item))
            else:
                out.append(head)
                _write(item, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif (fields := _json_fields(cls)) is not None:  # a dataclass, written as to_dict makes it a dict
        if not fields:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for name, key in fields:
            item = getattr(value, name)
            scalar = _SCALARS.get(type(item))
            if scalar is not None:
                out.append(separator + key + scalar(item))
            else:
                out.append(separator + key)
                _write(item, inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif cls in _SCALARS:
        out.append(_SCALARS[cls](value))
    elif isinstance(value, str):  # subclasses, as json treats them
        out.append(_encode_str(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float_text(value))
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


@cache
def _json_fields(cls: type) -> tuple[tuple[str, str], ...] | None:
    """A dataclass's field names, each with its JSON key (``"name": ``); ``None`` for any other type."""
    names = _field_names(cls)
    return None if names is None else tuple((name, _encode_str(name) + ": ") for name in names)


def _key_text(key: Any) -> str:
    if isinstance(key, float):
        return _float_text(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
