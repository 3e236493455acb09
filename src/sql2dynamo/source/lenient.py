"""Values the driver cannot turn into Python objects come back as what the database holds, never as an error.

One unreadable value must not stop a whole read: the driver raises for the
whole fetch, so migrate, verify and analyze would stop at the first such row
(exit 1) instead of rejecting that row and going on.  Here the source's
connections return those values in a form the item transform recognizes and
rejects with its reason (:mod:`sql2dynamo.items.values`), like any other value
DynamoDB cannot hold:

* PostgreSQL (psycopg) ``timestamp``, ``timestamptz`` and ``date`` values
  outside Python's years 1 to 9999 (``infinity``, ``-infinity``, BC dates)
  come back as the server's text (``'infinity'``, ``'0044-03-15 BC'``);
* SQLite text that is not valid UTF-8 comes back as its bytes.

Two PostgreSQL types are read exactly rather than as psycopg reads them:

* ``money`` as a ``Decimal``: the connection's ``lc_monetary`` is ``C``
  (:data:`PG_OPTIONS`), so the text is ``-$1,234.56`` whatever the server's
  locale, and the loader strips the sign, symbol and separators;
* ``interval`` with years or months as ISO 8601 text (``P-1Y``,
  ``P1Y2M3DT4H5M6.5S``): a ``timedelta`` has no months, and psycopg's
  ``-1 year`` would be ``-365 days``.  Intervals of days and time only stay
  ``timedelta`` values.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.adapt import Loader
from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader
from psycopg.types.datetime import IntervalLoader as PgIntervalLoader

__all__ = ["PG_OPTIONS", "make_lenient"]

PG_OPTIONS = "-c lc_monetary=C"
"""libpq ``options`` for every PostgreSQL source connection: money text in one known form."""


def make_lenient(engine: sa.Engine) -> sa.Engine:
    """Install the lenient readers on every connection ``engine`` opens (see the module); returns ``engine``."""
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        sa.event.listen(engine, "connect", _psycopg_connect)
    elif engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_connect)
    return engine


def _text_or_bytes(data: bytes) -> str | bytes:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data  # the string rules reject bytes that are not UTF-8, naming them


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.text_factory = _text_or_bytes


def _text_when_out_of_range(base: type[Loader]) -> type[Loader]:
    """``base`` (a psycopg text loader), except that a value Python cannot hold comes back as the server's text."""

    def load(self: Loader, data: Any) -> Any:
        try:
            return base.load(self, data)
        except psycopg.DataError:
            return bytes(data).decode("utf-8", "replace")

    return type(f"TextWhenOutOfRange{base.__name__}", (base,), {"load": load})


class MoneyLoader(Loader):
    """``money`` in the C locale (``-$1,234.56``) as an exact ``Decimal``."""

    def load(self, data: Any) -> Any:
        text = bytes(data).decode("ascii", "replace").strip()
        negative = text.startswith("-") or text.startswith("(")
        digits = re.sub(r"[^0-9.]", "", text)
        try:
            value = Decimal(digits)
        except InvalidOperation:
            return text  # not the C locale's form after all: the number rules reject the text, naming it
        return -value if negative else value


_PG_INTERVAL = re.compile(
    r"^\s*(?:(?P<y>[-+]?\d+) years?)?\s*(?:(?P<mo>[-+]?\d+) mons?)?\s*(?:(?P<d>[-+]?\d+) days?)?"
    r"\s*(?:(?P<sign>[-+]?)(?P<h>\d+):(?P<mi>\d+):(?P<s>\d+(?:\.\d+)?))?\s*$"
)


class IntervalLoader(PgIntervalLoader):
    """psycopg's ``timedelta`` for intervals of days and time; ISO 8601 text when years or months are in it."""

    def load(self, data: Any) -> Any:
        text = bytes(data).decode("ascii", "replace")
        m = _PG_INTERVAL.match(text)
        if m is None or not (m["y"] or m["mo"]):
            return super().load(data)
        date_part = "".join(f"{int(m[k])}{unit}" for k, unit in (("y", "Y"), ("mo", "M"), ("d", "D")) if m[k])
        clock = ""
        if m["h"] is not None:
            sign = "-" if m["sign"] == "-" else ""
            seconds = m["s"].rstrip("0").rstrip(".") if "." in m["s"] else m["s"]
            parts = ((int(m["h"]), "H"), (int(m["mi"]), "M"))
            clock = "".join(f"{sign}{n}{unit}" for n, unit in parts if n)
            if float(seconds):
                clock += f"{sign}{seconds.lstrip('0') or '0'}S"
        return "P" + date_part + ("T" + clock if clock else "")


_PG_LOADERS: dict[str, type[Loader]] = {
    "timestamp": _text_when_out_of_range(TimestampLoader),
    "timestamptz": _text_when_out_of_range(TimestamptzLoader),
    "date": _text_when_out_of_range(DateLoader),
    "money": MoneyLoader,
    "interval": IntervalLoader,
}


def _psycopg_connect(dbapi_connection: Any, _record: Any) -> None:
    for name, loader in _PG_LOADERS.items():
        dbapi_connection.adapters.register_loader(name, loader)
