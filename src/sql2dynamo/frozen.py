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
    """``dataclasses.asdict`` with tuples turned into lists, ready for ``json.dumps``."""
    return _lists(dataclasses.asdict(obj))  # type: ignore[no-any-return]


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
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
