"""What a command returns: one JSON form (:meth:`Result.asdict`) and one human view (:meth:`Result.describe`).

Every command function returns a :class:`Result`.  The command line prints
``describe()`` (tables and closing lines) or, with ``--json``, ``asdict()`` on
stdout, and writes ``asdict()`` for ``--summary FILE.json``; command functions
themselves never render their result (as dlt's step infos carry ``asdict()``
and ``asstr()``).
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, cast

from sql2dynamo.common.reporting import Reporter


class Result(ABC):
    """Base of the command results (frozen dataclasses)."""

    @abstractmethod
    def summary(self) -> dict[str, Any]:
        """The result as plain data (paths and odd values allowed; see :meth:`asdict`)."""

    @abstractmethod
    def describe(self, out: Reporter) -> None:
        """Show the result to a person: its tables, warnings and closing line, on ``out``."""

    def asdict(self) -> dict[str, Any]:
        """The result as strict JSON data: what ``--json`` prints and ``--summary FILE.json`` holds."""
        return cast(dict[str, Any], json_ready(self.summary()))


def json_ready(value: Any) -> Any:
    """``value`` as strict JSON data: NaN and infinities become null, paths and other objects their text."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, set | frozenset):  # sorted: the same result gives the same bytes
        return sorted((json_ready(v) for v in value), key=str)
    return str(value)


def json_text(data: Mapping[str, Any]) -> str:
    """``data`` as indented strict JSON (never NaN), ending in a newline."""
    return json.dumps(json_ready(data), indent=2, allow_nan=False) + "\n"
