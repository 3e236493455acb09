"""Which attributes a global secondary index projects, chosen by what it costs per second.

A projection is paid twice: by the writes that keep the index's copy up to
date, and by the reads that must fetch what the index does not hold.  The
rules, in order (the first that applies decides):

1. every read through the index only counts items -> KEYS_ONLY: the keys are
   all a ``Select=COUNT`` needs;
2. the reads name their columns -> INCLUDE those (KEYS_ONLY when they are all
   keys): the reads get what they need, and an update of any other attribute
   does not touch the index;
3. otherwise the cheaper of ALL and KEYS_ONLY in request units per second,
   writes weighted by the on-demand write/read price ratio:

   * ALL writes the whole item: a put or a delete ``ceil(item / 1 KB)``
     units, an update 2 x that when it changes an index key (delete + put),
     1 x when it changes any other attribute;
   * KEYS_ONLY writes only keys (1 unit for a put or a delete, 2 for an
     update that changes an index key, 0 for any other update), and each
     read then fetches its page of items with a BatchGetItem: the page (the
     pattern's LIMIT, else the rows its key selects) x one GetItem's units.

   Both are multiplied by the share of items that carry the index's key
   (a sparse index holds only those).  A tie keeps ALL: one round trip.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

from sql2dynamo.design.capacity import WRITE_UNIT_BYTES, read_units
from sql2dynamo.design.pricing import load_pricing

__all__ = ["IndexRead", "IndexWrite", "Projection", "choose_projection", "write_of", "write_read_price_ratio"]


@dataclass(frozen=True)
class IndexRead:
    """One read pattern served by the index."""

    pattern_id: str
    rps: float
    items: float  # items one call reads: its LIMIT, else the rows its key selects
    count: bool
    strong: bool
    columns: tuple[str, ...] | None  # the columns it selects; None: every column


@dataclass(frozen=True)
class IndexWrite:
    """One write pattern of the index's table."""

    pattern_id: str
    operation: str  # insert, update, delete
    rps: float
    changed: frozenset[str] | None  # the columns an update sets; None: unknown (assume the keys change)


@dataclass(frozen=True)
class Projection:
    """The chosen projection with the arithmetic that chose it."""

    kind: Literal["ALL", "KEYS_ONLY", "INCLUDE"]
    non_key: tuple[str, ...]
    reason: str


@cache
def write_read_price_ratio() -> float:
    """On-demand write price / read price of the shipped price table (0.625 / 0.125 = 5)."""
    prices = load_pricing()
    return float(prices.on_demand_write_per_million / prices.on_demand_read_per_million)


def _write_units(write: IndexWrite, key_columns: frozenset[str], item_units: float) -> tuple[float, float]:
    """Index write units of one call under ALL and under KEYS_ONLY."""
    if write.operation != "update":
        return item_units, 1.0
    if write.changed is None or write.changed & key_columns:
        return 2 * item_units, 2.0
    return (item_units if write.changed else 0.0), 0.0


def choose_projection(
    columns: Sequence[str],
    key_columns: frozenset[str],
    key_attributes: frozenset[str],
    share: float,
    item_bytes: float,
    reads: Sequence[IndexRead],
    writes: Sequence[IndexWrite],
) -> Projection:
    """The projection of one index (see the module docstring for the rules and their order).

    ``columns`` are the table's columns in order, ``key_columns`` the source columns the index key
    and its sparse flag are built from, ``key_attributes`` the table's and the index's key attributes
    (always projected, never listed), ``share`` the share of items that carry the index's key.
    """
    if reads and all(r.count for r in reads):
        return Projection("KEYS_ONLY", (), "every pattern on this index only counts items: keys are enough")
    wanted: set[str] = set()
    for r in reads:
        if r.columns is None:
            wanted = set()
            break
        wanted |= set(r.columns)
    if wanted:
        cols = tuple(c for c in columns if c in wanted and c not in key_attributes)
        if not cols:
            return Projection("KEYS_ONLY", (), "the patterns read only key attributes: keys are enough")
        return Projection(
            "INCLUDE",
            cols,
            f"the patterns read only {', '.join(cols)} besides the keys: project those (an update of any "
            "other attribute does not write the index)",
        )
    ratio = write_read_price_ratio()
    item_units = float(max(1, math.ceil(item_bytes / WRITE_UNIT_BYTES)))
    all_w = keys_w = 0.0
    for w in writes:
        a, k = _write_units(w, key_columns, item_units)
        all_w += w.rps * share * a
        keys_w += w.rps * share * k
    fetch = sum(r.rps * r.items * read_units(item_bytes, strong=r.strong) for r in reads if not r.count)
    all_cost = all_w * ratio
    keys_cost = keys_w * ratio + fetch
    arithmetic = (
        f"ALL: {all_w:.6g} index WRU/s x {ratio:g} (write/read price) = {all_cost:.6g} RRU-equivalents/s; "
        f"KEYS_ONLY: {keys_w:.6g} WRU/s x {ratio:g} + {fetch:.6g} RRU/s fetching "
        + (", ".join(f"{r.pattern_id} {r.rps:g} rps x {r.items:g} items" for r in reads if not r.count) or "nothing")
        + f" = {keys_cost:.6g}"
    )
    if keys_cost < all_cost:
        return Projection("KEYS_ONLY", (), arithmetic + " -> KEYS_ONLY is cheaper")
    return Projection("ALL", (), arithmetic + " -> ALL is cheaper (and one round trip)")


def write_of(pattern_id: str, operation: str, rps: float, set_columns: Sequence[str] | None) -> IndexWrite:
    """An :class:`IndexWrite` from a write pattern's shape (``set_columns`` of an update, bare names)."""
    changed = frozenset(c.split(".")[-1] for c in set_columns) if set_columns else None
    if operation == "update" and changed is None:
        return IndexWrite(pattern_id, operation, rps, None)
    return IndexWrite(pattern_id, operation, rps, changed)
