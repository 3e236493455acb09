"""Each table's monthly cost split by the table itself and each of its indexes.

The design prices a table and its GSIs together (:class:`TableCost`) and
writes every figure it used into ``arithmetic``, one line per term, with
the place each applies to (``table`` or ``table/index``)::

    capacity album/by_artist: AP12: 0.5 RCU/call x 0.116 avg / 0.347 peak rps  [...]
    storage album/by_artist (ALL) <- album: 58 items x (42 B + 100 B) = 8,236 B
    on-demand reads: 0.1735 RRU/s (average) x 2,628,000 s/month ... x $0.125/million = $0.05699475
    provisioned album/by_artist reads: peak 0.1735 RCU/s / 0.7 utilization -> 1 RCU ... = $0.0949

:func:`split_cost` redoes the on-demand and storage terms per place with
the prices those lines state, and takes the provisioned terms as written.
The split is kept only when its on-demand and provisioned sums come back to
the table's own totals (to the cent, as the design rounds them); otherwise
the report shows the table's totals alone rather than a wrong split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sql2dynamo.design.model import TableCost, TableSpec
from sql2dynamo.report.data import CostPart

SECONDS_PER_MONTH = Decimal(730 * 3600)
_NUM = r"([0-9][0-9,]*(?:\.[0-9]+)?)"
_CAPACITY = re.compile(rf"^capacity (\S+): .+?: {_NUM} (RCU|WCU)/call x {_NUM} avg / {_NUM} peak rps")
_STORAGE = re.compile(rf"^storage (\S+)(?: \([A-Z_]+\))? <- .* = {_NUM} B(?: \(.*\))?$")
_STORAGE_PRICE = re.compile(rf"^storage: .* x \${_NUM}/GB-month")
_ON_DEMAND_PRICE = re.compile(rf"^on-demand (reads|writes): .* x \${_NUM}/million = ")
_PROVISIONED = re.compile(rf"^provisioned (\S+) (reads|writes): .* = \${_NUM}$")
_TOLERANCE = Decimal("0.011")


def _dec(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@dataclass
class _Part:
    rcu_avg: Decimal = Decimal(0)
    wcu_avg: Decimal = Decimal(0)
    stored_bytes: Decimal = Decimal(0)
    provisioned: dict[str, Decimal] = field(default_factory=dict)


def split_cost(spec: TableSpec, cost: TableCost) -> tuple[CostPart, ...]:
    """The table's cost per place (the table, then each index in declared order); () when it does not add up."""
    places = [spec.name, *(f"{spec.name}/{i.name}" for i in spec.indexes)]
    parts = {place: _Part() for place in places}
    prices: dict[str, Decimal] = {}
    try:
        for line in cost.arithmetic:
            if m := _CAPACITY.match(line):
                place, units, kind, avg = m.group(1), _dec(m.group(2)), m.group(3), _dec(m.group(4))
                if place not in parts:
                    return ()
                if kind == "RCU":
                    parts[place].rcu_avg += units * avg
                else:
                    parts[place].wcu_avg += units * avg
            elif m := _STORAGE.match(line):
                if m.group(1) not in parts:
                    return ()
                parts[m.group(1)].stored_bytes += _dec(m.group(2))
            elif m := _STORAGE_PRICE.match(line):
                prices["storage"] = _dec(m.group(1))
            elif m := _ON_DEMAND_PRICE.match(line):
                prices[m.group(1)] = _dec(m.group(2))
            elif m := _PROVISIONED.match(line):
                if m.group(1) not in parts:
                    return ()
                parts[m.group(1)].provisioned[m.group(2)] = _dec(m.group(3))
    except InvalidOperation:
        return ()
    if set(prices) != {"storage", "reads", "writes"}:
        return ()
    out: list[CostPart] = []
    on_demand_sum = provisioned_sum = Decimal(0)
    for place in places:
        part = parts[place]
        if set(part.provisioned) != {"reads", "writes"}:
            return ()
        reads = part.rcu_avg * SECONDS_PER_MONTH * prices["reads"] / Decimal(1_000_000)
        writes = part.wcu_avg * SECONDS_PER_MONTH * prices["writes"] / Decimal(1_000_000)
        storage = part.stored_bytes / Decimal(10**9) * prices["storage"]
        on_demand_sum += reads + writes + storage
        provisioned_sum += part.provisioned["reads"] + part.provisioned["writes"] + storage
        table, _, index = place.partition("/")
        out.append(
            CostPart(
                table=table,
                index=index or None,
                on_demand_reads=float(reads),
                on_demand_writes=float(writes),
                provisioned_reads=float(part.provisioned["reads"]),
                provisioned_writes=float(part.provisioned["writes"]),
                storage=float(storage),
            )
        )
    if abs(on_demand_sum - Decimal(repr(cost.on_demand_monthly))) > _TOLERANCE:
        return ()
    if abs(provisioned_sum - Decimal(repr(cost.provisioned_monthly))) > _TOLERANCE:
        return ()
    return tuple(out)
