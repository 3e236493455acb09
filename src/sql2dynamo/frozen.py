"""Rebuild frozen dataclasses from their JSON form, guided by their type hints.

Stage outputs are written with ``dataclasses.asdict`` (tuples as lists);
:func:`from_dict` reverses that for any dataclass made of scalars, tuples,
dicts, optionals and other such dataclasses, so each stage's reader is one
line and cannot drift from its writer.
"""

from __future__ import annotations

import dataclasses
import types
import typing
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
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _plain(value: Any) -> Any:
    cls = type(value)
    if dataclasses.is_dataclass(cls):
        return {name: _plain(getattr(value, name)) for name in _field_names(cls)}
    if cls is tuple or cls is list:
        return [_plain(v) for v in value]
    if cls is dict:
        return {k: _plain(v) for k, v in value.items()}
    return value


def from_dict(cls: type[T], data: Any) -> T:
    """An instance of dataclass ``cls`` from ``data`` (unknown keys are ignored)."""
    return _convert(cls, data)  # type: ignore[no-any-return]


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        for option in options:
            if dataclasses.is_dataclass(option) and isinstance(value, dict):
                return _convert(option, value)
        return _convert(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        args = typing.get_args(tp)
        item = args[0] if args else Any
        return tuple(_convert(item, v) for v in value)
    if origin is dict:
        _, val_tp = typing.get_args(tp) or (Any, Any)
        return {k: _convert(val_tp, v) for k, v in value.items()}
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = _hints(tp)
        known = {f.name for f in dataclasses.fields(tp)}
        return tp(**{k: _convert(hints[k], v) for k, v in value.items() if k in known})
    return value
