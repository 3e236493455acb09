"""Cost: the chart per table and index, the figures behind it, and the hot-partition findings."""

from __future__ import annotations

from sql2dynamo.report.data import CostView, PartitionView
from sql2dynamo.report.html import code, esc, money, num, pattern_link, table_link
from sql2dynamo.report.svg import cost_chart, legend

PARTITION_RCU_LIMIT = 3000
PARTITION_WCU_LIMIT = 1000
MAX_PARTITION_ROWS = 30


def _figures(cost: CostView) -> str:
    rows = []
    for t in cost.tables:
        rows.append(
            f'<tr class="cost-row" data-table="{esc(t.table)}"><td>{table_link(t.table)}</td>'
            f'<td class="n">{num(t.rcu_avg)} / {num(t.rcu_peak)}</td>'
            f'<td class="n">{num(t.wcu_avg)} / {num(t.wcu_peak)}</td>'
            f'<td class="n">{num(t.storage_gb, 4)}</td><td class="n">{money(t.on_demand)}</td>'
            f'<td class="n">{money(t.provisioned)}</td></tr>'
        )
    rows.append(
        f'<tr><th>total</th><td></td><td></td><td></td><th class="n">{money(cost.total_on_demand)}</th>'
        f'<th class="n">{money(cost.total_provisioned)}</th></tr>'
    )
    head = (
        "<thead><tr><th>table (with its indexes)</th><th>RCU/s avg / peak</th><th>WCU/s avg / peak</th>"
        "<th>storage GB</th><th>on-demand $/month</th><th>provisioned $/month</th></tr></thead>"
    )
    return f'<table class="costs">{head}<tbody>{"".join(rows)}</tbody></table>'


def _partition(p: PartitionView) -> str:
    where = table_link(p.table, p.index)
    load = (
        f'<td class="n">{num(p.rcu)} <span class="note">({p.rcu / PARTITION_RCU_LIMIT:.0%})</span></td>'
        f'<td class="n">{num(p.wcu)} <span class="note">({p.wcu / PARTITION_WCU_LIMIT:.0%})</span></td>'
    )
    verdict = '<span class="bad">hot</span>' if p.hot else '<span class="ok">within limits</span>'
    plan = f"<br>{esc(p.sharding_plan)}" if p.sharding_plan else ""
    patterns = " ".join(pattern_link(x) for x in p.pattern_ids)
    return (
        f'<tr class="partition{" hot" if p.hot else ""}"><td>{where} {code(p.key)}</td>'
        f'<td class="n">{num(p.distinct_keys)}</td><td class="n">{num(p.skew)}</td>{load}'
        f"<td>{verdict}{plan}</td><td>{patterns}</td></tr>"
    )


def _partitions(cost: CostView) -> str:
    hot = [p for p in cost.partitions if p.hot]
    if hot:
        finding = f'<p class="bad">{len(hot)} hot partition(s): the busiest key takes more than a partition serves.</p>'
    else:
        finding = (
            f'<p class="ok">No hot partition: the busiest partition of every key stays under '
            f"{PARTITION_RCU_LIMIT:,} RCU and {PARTITION_WCU_LIMIT:,} WCU per second.</p>"
        )
    if not cost.partitions:
        return finding
    head = (
        "<thead><tr><th>key</th><th>distinct values</th><th>skew</th><th>RCU/s on the busiest partition</th>"
        "<th>WCU/s on the busiest partition</th><th>finding</th><th>patterns</th></tr></thead>"
    )
    rows = "".join(_partition(p) for p in cost.partitions[:MAX_PARTITION_ROWS])
    more = (
        f'<p class="note">and {len(cost.partitions) - MAX_PARTITION_ROWS} lighter keys.</p>'
        if len(cost.partitions) > MAX_PARTITION_ROWS
        else ""
    )
    return f'{finding}<table class="partitions">{head}<tbody>{rows}</tbody></table>{more}'


def cost_section(cost: CostView | None) -> str:
    """The cost section (a note when the design priced nothing)."""
    if cost is None:
        return '<section id="cost"><h2>Cost</h2><p class="missing">The model has no cost estimate.</p></section>'
    split = all(t.parts for t in cost.tables)
    note = (
        ""
        if split
        else '<p class="note">Tables without index bars: the design\'s arithmetic could not be split, '
        "their totals are shown.</p>"
    )
    return (
        f'<section id="cost"><h2>Cost: {money(cost.total_on_demand)} on-demand, '
        f"{money(cost.total_provisioned)} provisioned per month</h2>"
        f'<p class="note">Billing chosen: {esc(cost.billing)}. Prices: {esc(cost.pricing)}.</p>'
        f"{legend()}{note}{cost_chart(cost)}{_figures(cost)}"
        f"<h3>Hot partitions</h3>{_partitions(cost)}</section>"
    )
