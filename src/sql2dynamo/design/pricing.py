"""Monthly cost of a design, from a price table, with the arithmetic shown.

The rules:

* A month is 730 hours (8,760 / 12) = 730 x 3,600 = 2,628,000 seconds.
* **On-demand** bills the request units actually used, so it is priced at
  the patterns' *average* RPS: units per second x 2,628,000 x price per
  million / 1,000,000.
* **Provisioned** capacity must absorb the *peak*, so each table and each
  GSI (each has its own capacity) is sized at ``ceil(peak / target
  utilization)`` units, at least 1, the target being auto scaling's usual
  70 %: headroom for bursts while it reacts.  Priced per unit-hour x 730.
* **Storage**: per item, its bytes + 100 bytes of DynamoDB's per-item index
  overhead; a GSI stores its projected items (sparse: only the share that
  carries its key) with the same overhead.  GB = 10^9 bytes.  The 25 GB
  free tier is account-wide and ignored.  Storage counts in both totals.
* GSIs are priced like their base table and reported with it.
* Money stays exact (:class:`~decimal.Decimal`) through every step and is
  rounded to cents (half up) only at the end: each table's totals and the
  grand totals are rounded from exact sums, never summed from rounded parts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.design.capacity import (
    READ_OPERATIONS,
    Usage,
    is_strong,
    pattern_rps,
    plan_capacity,
    plan_usage,
)
from sql2dynamo.design.model import AccessPlan, CostEstimate, PatternCapacity, TableCost, TableSpec
from sql2dynamo.design.sizing.items import ItemSize, Sizes, as_item_size, entity_in_index
from sql2dynamo.workload.patterns.model import AccessPattern

HOURS_PER_MONTH = Decimal(730)
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600  # 2,628,000
ITEM_OVERHEAD_BYTES = 100  # DynamoDB adds 100 bytes per item (and per index entry) to billed storage
BYTES_PER_GB = Decimal(10) ** 9
DEFAULT_TARGET_UTILIZATION = 0.70
DEFAULT_PRICING = "pricing-us-east-1.json"
Billing = Literal["on-demand", "provisioned"]
BILLING_MODES: tuple[Billing, ...] = ("on-demand", "provisioned")
_CENT = Decimal("0.01")
_MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Pricing:
    """One region's DynamoDB list prices (Standard table class), exact decimals."""

    name: str
    region: str
    currency: str
    price_date: str
    source: str
    on_demand_write_per_million: Decimal
    on_demand_read_per_million: Decimal
    provisioned_wcu_hour: Decimal
    provisioned_rcu_hour: Decimal
    storage_gb_month: Decimal
    free_tier_storage_gb: Decimal = Decimal(0)  # informational: estimates ignore it
    notes: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """One line naming the price table, for reports."""
        return f"{self.name}: {self.region} list prices of {self.price_date} ({self.source})"


_PRICE_KEYS = (
    ("on_demand", "write_request_units_per_million"),
    ("on_demand", "read_request_units_per_million"),
    ("provisioned", "wcu_hour"),
    ("provisioned", "rcu_hour"),
    ("storage", "gb_month"),
)
_TEXT_KEYS = ("name", "region", "currency", "price_date", "source")


def _fail(where: str, key: str, problem: str) -> InputError:
    return InputError(
        f"{where}: price key `{key}` {problem}",
        key=key,
        hint=f"see the shipped sql2dynamo/design/data/{DEFAULT_PRICING} for the expected layout",
    )


def _price(doc: Mapping[str, Any], where: str, section: str, key: str) -> Decimal:
    dotted = f"{section}.{key}"
    block = doc.get(section)
    if not isinstance(block, Mapping):
        raise _fail(where, section, "is missing or not an object")
    if key not in block:
        raise _fail(where, dotted, "is missing")
    value = block[key]
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise _fail(where, dotted, f"must be a number, not {value!r}")
    dec = Decimal(value)
    if not dec.is_finite() or dec < 0:
        raise _fail(where, dotted, f"must be a number >= 0, not {value}")
    return dec


def parse_pricing(text: str, *, source: str = DEFAULT_PRICING) -> Pricing:
    """A :class:`Pricing` from the text of a price file; :class:`InputError` naming the bad key."""
    try:
        # Decimal, not float: 0.00013 must stay 0.00013 for cent-exact sums
        doc = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(doc, Mapping):
        raise InputError(f"{source}: a price file is a JSON object", hint="see the shipped price file")
    texts: dict[str, str] = {}
    for key in _TEXT_KEYS:
        value = doc.get(key)
        if not isinstance(value, str) or not value.strip():
            raise _fail(source, key, "is missing or not text")
        texts[key] = value
    prices = [_price(doc, source, section, key) for section, key in _PRICE_KEYS]
    storage = doc["storage"]
    free = storage.get("free_tier_gb", Decimal(0))
    if isinstance(free, bool) or not isinstance(free, (int, Decimal)) or Decimal(free) < 0:
        raise _fail(source, "storage.free_tier_gb", f"must be a number >= 0, not {free!r}")
    notes = doc.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise _fail(source, "notes", "must be a list of strings")
    return Pricing(
        name=texts["name"],
        region=texts["region"],
        currency=texts["currency"],
        price_date=texts["price_date"],
        source=texts["source"],
        on_demand_write_per_million=prices[0],
        on_demand_read_per_million=prices[1],
        provisioned_wcu_hour=prices[2],
        provisioned_rcu_hour=prices[3],
        storage_gb_month=prices[4],
        free_tier_storage_gb=Decimal(free),
        notes=tuple(notes),
    )


def load_pricing(path: Path | str | None = None) -> Pricing:
    """Read a price file; ``None`` reads the shipped us-east-1 list prices.

    A missing or unreadable file, bad JSON, or a missing, non-numeric or
    negative price raises :class:`InputError` naming the file and the key.
    """
    if path is None:
        text = resources.files("sql2dynamo.design").joinpath("data", DEFAULT_PRICING).read_text("utf-8")
        return parse_pricing(text, source=DEFAULT_PRICING)
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"{p}: no such price file", hint="omit the option to use the shipped us-east-1 prices"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the price file: {exc}") from None
    return parse_pricing(text, source=str(p))


# ------------------------------------------------------------------ arithmetic helpers


def _dec(x: float | int | Decimal) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, int):
        return Decimal(x)
    # repr is the shortest text that round-trips: 0.1 stays 0.1, not 0.1000000000000000055...
    return Decimal(repr(x))


def _n(x: Decimal | float | int) -> str:
    """A number as a reader would write it: thousands separators, no trailing zeros."""
    d = _dec(x)
    if d == d.to_integral_value():
        return f"{d.to_integral_value():,f}"
    text = f"{d.normalize():,f}"
    return text


def _money(x: Decimal) -> str:
    return f"${_n(x)}"


def _cents_text(x: Decimal) -> str:
    return f"${cents(x):,.2f}"


def cents(x: Decimal) -> Decimal:
    """``x`` rounded to cents, half up (the only rounding money sees)."""
    return x.quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass
class _Load:
    """Capacity per second on one table or index, exact."""

    rcu_avg: Decimal = Decimal(0)
    wcu_avg: Decimal = Decimal(0)
    rcu_peak: Decimal = Decimal(0)
    wcu_peak: Decimal = Decimal(0)
    lines: list[str] = field(default_factory=list)

    def add(self, pattern_id: str, usage: Usage, avg: float, peak: float) -> None:
        a, p = _dec(avg), _dec(peak)
        r, w = _dec(usage.rcu), _dec(usage.wcu)
        self.rcu_avg += r * a
        self.wcu_avg += w * a
        self.rcu_peak += r * p
        self.wcu_peak += w * p
        unit = f"{_n(r)} RCU" if usage.operation in READ_OPERATIONS else f"{_n(w)} WCU"
        self.lines.append(f"{pattern_id}: {unit}/call x {_n(a)} avg / {_n(p)} peak rps  [{usage.detail}]")


def _provisioned(units_peak: Decimal, utilization: Decimal) -> int:
    return max(1, math.ceil(units_peak / utilization))


def _patterns_by_id(
    patterns: Iterable[AccessPattern] | Mapping[str, AccessPattern],
) -> dict[str, AccessPattern]:
    if isinstance(patterns, Mapping):
        return dict(patterns)
    return {p.id: p for p in patterns}


def _item_size(spec: TableSpec, source_table: str, sizes: Sizes) -> ItemSize:
    value = sizes.get((spec.name, source_table))
    return as_item_size(value) if value is not None else ItemSize(bytes=spec.estimated_item_size_bytes)


def _storage(spec: TableSpec, sizes: Sizes, row_counts: Mapping[str, int]) -> tuple[Decimal, list[str]]:
    """Billed bytes of a table and its indexes, with one line per entity and index."""
    total = Decimal(0)
    lines: list[str] = []
    for entity in spec.entities:
        rows = row_counts.get(entity.source_table)
        known = "" if rows is not None else " (row count unknown: 0)"
        n = Decimal(rows or 0)
        size = _item_size(spec, entity.source_table, sizes)
        base = n * (size.bytes + ITEM_OVERHEAD_BYTES)
        total += base
        lines.append(
            f"storage {spec.name} <- {entity.source_table}: {_n(n)} items x ({_n(size.bytes)} B"
            f" + {ITEM_OVERHEAD_BYTES} B overhead) = {_n(base)} B{known}"
        )
        for index in spec.indexes:
            if not entity_in_index(entity, index):
                continue
            projected = size.index_bytes.get(index.name, size.bytes)
            share = _dec(size.index_share.get(index.name, 1.0))
            entries = n * share
            part = entries * (projected + ITEM_OVERHEAD_BYTES)
            total += part
            sparse = f" x {_n(share)} sparse share" if share != 1 else ""
            lines.append(
                f"storage {spec.name}/{index.name} ({index.projection}) <- {entity.source_table}:"
                f" {_n(n)} items{sparse} x ({_n(projected)} B + {ITEM_OVERHEAD_BYTES} B) = {_n(part)} B"
            )
    return total, lines


def estimate_cost(
    tables: Sequence[TableSpec],
    plans: Sequence[AccessPlan],
    patterns: Iterable[AccessPattern] | Mapping[str, AccessPattern],
    sizes: Sizes,
    row_counts: Mapping[str, int],
    pricing: Pricing,
    billing: Billing,
    *,
    target_utilization: float = DEFAULT_TARGET_UTILIZATION,
    usages: Sequence[Sequence[Usage]] | None = None,
) -> CostEstimate:
    """Monthly cost of the design in both billing modes; ``billing`` names the one chosen.

    ``patterns`` gives each plan's RPS (by pattern id; a plan whose pattern is
    absent raises :class:`InputError`), ``row_counts`` the number of rows of
    each *source* table (one item per row per table it is stored in).  Each
    table's ``arithmetic`` lists every figure so the sums can be redone by
    hand; see the module docstring for the rules.  ``usages[i]``, when given,
    is :func:`~sql2dynamo.design.capacity.plan_usage` of ``plans[i]`` with its
    pattern's consistency (computed here otherwise).
    """
    if billing not in BILLING_MODES:
        raise UsageError(f"billing mode {billing!r} is unknown", hint="use `on-demand` or `provisioned`")
    if not 0 < target_utilization <= 1:
        raise UsageError(f"target utilization {target_utilization} is out of range", hint="use a fraction such as 0.7")
    util = _dec(target_utilization)
    by_id = _patterns_by_id(patterns)
    specs = {t.name: t for t in tables}

    # capacity per (table, index) from every plan, exact
    loads: dict[tuple[str, str | None], _Load] = {}
    capacities: list[PatternCapacity] = []
    for n, plan in enumerate(plans):
        pattern = by_id.get(plan.pattern_id)
        if pattern is None:
            raise InputError(
                f"plan {plan.pattern_id} has no access pattern to take its RPS from",
                pattern_id=plan.pattern_id,
                hint="pass the patterns the plans were built from",
            )
        used = usages[n] if usages is not None else plan_usage(plan, specs, sizes, strong=is_strong(pattern))
        capacities.append(plan_capacity(plan, specs, sizes, pattern, usages=used))
        avg, peak = pattern_rps(pattern)
        for usage in used:
            loads.setdefault((usage.table, usage.index), _Load()).add(plan.pattern_id, usage, avg, peak)

    table_costs: list[TableCost] = []
    exact_on_demand = Decimal(0)
    exact_provisioned = Decimal(0)
    for spec in tables:
        cost, on_demand, provisioned = _table_cost(spec, loads, sizes, row_counts, pricing, util)
        table_costs.append(cost)
        exact_on_demand += on_demand
        exact_provisioned += provisioned
    return CostEstimate(
        pricing=pricing.describe(),
        billing=billing,
        tables=tuple(table_costs),
        patterns=tuple(capacities),
        total_on_demand_monthly=float(cents(exact_on_demand)),
        total_provisioned_monthly=float(cents(exact_provisioned)),
    )


def _table_cost(
    spec: TableSpec,
    loads: Mapping[tuple[str, str | None], _Load],
    sizes: Sizes,
    row_counts: Mapping[str, int],
    pricing: Pricing,
    util: Decimal,
) -> tuple[TableCost, Decimal, Decimal]:
    """One table's cost with its GSIs; also the exact on-demand and provisioned totals."""
    lines: list[str] = []
    parts: list[tuple[str | None, _Load]] = [(None, loads.get((spec.name, None), _Load()))]
    parts += [(index.name, loads.get((spec.name, index.name), _Load())) for index in spec.indexes]
    rcu_avg = sum((load.rcu_avg for _, load in parts), Decimal(0))
    wcu_avg = sum((load.wcu_avg for _, load in parts), Decimal(0))
    rcu_peak = sum((load.rcu_peak for _, load in parts), Decimal(0))
    wcu_peak = sum((load.wcu_peak for _, load in parts), Decimal(0))
    for name, load in parts:
        where = spec.name if name is None else f"{spec.name}/{name}"
        for line in load.lines:
            lines.append(f"capacity {where}: {line}")

    # storage
    stored, storage_lines = _storage(spec, sizes, row_counts)
    lines += storage_lines
    gb = stored / BYTES_PER_GB
    storage = gb * pricing.storage_gb_month
    lines.append(
        f"storage: {_n(stored)} B / 10^9 = {_n(gb)} GB x {_money(pricing.storage_gb_month)}/GB-month"
        f" = {_money(storage)} (25 GB free tier ignored)"
    )

    # on-demand: average RPS, request units per month
    rru_month = rcu_avg * SECONDS_PER_MONTH
    wru_month = wcu_avg * SECONDS_PER_MONTH
    reads = rru_month * pricing.on_demand_read_per_million / _MILLION
    writes = wru_month * pricing.on_demand_write_per_million / _MILLION
    on_demand = reads + writes + storage
    lines.append(
        f"on-demand reads: {_n(rcu_avg)} RRU/s (average) x {_n(SECONDS_PER_MONTH)} s/month (730 h x 3,600)"
        f" = {_n(rru_month)} RRU x {_money(pricing.on_demand_read_per_million)}/million = {_money(reads)}"
    )
    lines.append(
        f"on-demand writes: {_n(wcu_avg)} WRU/s (average) x {_n(SECONDS_PER_MONTH)} s/month"
        f" = {_n(wru_month)} WRU x {_money(pricing.on_demand_write_per_million)}/million = {_money(writes)}"
    )
    lines.append(
        f"on-demand total: {_money(reads)} + {_money(writes)} + {_money(storage)} storage"
        f" = {_money(on_demand)} -> {_cents_text(on_demand)}"
    )

    # provisioned: peak RPS over the target utilization, per table and per GSI
    provisioned = storage
    terms: list[str] = []
    for name, load in parts:
        where = spec.name if name is None else f"{spec.name}/{name}"
        rcu_units = _provisioned(load.rcu_peak, util)
        wcu_units = _provisioned(load.wcu_peak, util)
        rcu_cost = rcu_units * pricing.provisioned_rcu_hour * HOURS_PER_MONTH
        wcu_cost = wcu_units * pricing.provisioned_wcu_hour * HOURS_PER_MONTH
        provisioned += rcu_cost + wcu_cost
        terms += [_money(rcu_cost), _money(wcu_cost)]
        lines.append(
            f"provisioned {where} reads: peak {_n(load.rcu_peak)} RCU/s / {_n(util)} utilization"
            f" -> {rcu_units} RCU (at least 1) x {_money(pricing.provisioned_rcu_hour)}/RCU-hour x 730 h"
            f" = {_money(rcu_cost)}"
        )
        lines.append(
            f"provisioned {where} writes: peak {_n(load.wcu_peak)} WCU/s / {_n(util)} utilization"
            f" -> {wcu_units} WCU (at least 1) x {_money(pricing.provisioned_wcu_hour)}/WCU-hour x 730 h"
            f" = {_money(wcu_cost)}"
        )
    lines.append(
        f"provisioned total: {' + '.join(terms)} + {_money(storage)} storage"
        f" = {_money(provisioned)} -> {_cents_text(provisioned)}"
    )
    cost = TableCost(
        table=spec.name,
        storage_gb=float(gb),
        rcu_avg=float(rcu_avg),
        wcu_avg=float(wcu_avg),
        rcu_peak=float(rcu_peak),
        wcu_peak=float(wcu_peak),
        on_demand_monthly=float(cents(on_demand)),
        provisioned_monthly=float(cents(provisioned)),
        storage_monthly=float(cents(storage)),
        arithmetic=tuple(lines),
    )
    return cost, on_demand, provisioned
