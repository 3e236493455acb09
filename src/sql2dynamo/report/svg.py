"""The cost chart: one inline SVG, a pair of stacked bars per table and per index.

For every place (a table, then each of its indexes) the chart draws the
on-demand bar and the provisioned bar, each stacked from reads, writes and
storage, on one linear scale shared by the whole chart so places compare.
Every segment is a ``<rect>`` carrying ``data-table``, ``data-index``,
``data-mode`` and ``data-part`` and a ``<title>`` with its dollars.  A table
whose cost could not be split shows its totals as one segment per mode.
"""

from __future__ import annotations

from sql2dynamo.report.data import CostPart, CostView
from sql2dynamo.report.html import attr, esc

LABEL_W = 300
BAR_W = 560
VALUE_W = 110
BAR_H = 12
BAR_GAP = 3
PLACE_GAP = 9
GROUP_GAP = 8
TOP = 8
MIN_SEGMENT = 1.0
LABEL_CHARS = 34

MODES = (("on-demand", "OD"), ("provisioned", "prov"))


def _segments(part: CostPart | None, mode: str, total: float) -> list[tuple[str, float]]:
    if part is None:
        return [("total", total)]
    if mode == "on-demand":
        return [("reads", part.on_demand_reads), ("writes", part.on_demand_writes), ("storage", part.storage)]
    return [("reads", part.provisioned_reads), ("writes", part.provisioned_writes), ("storage", part.storage)]


def cost_chart(cost: CostView) -> str:
    """The chart's ``<svg>`` element."""
    rows: list[tuple[str, str | None, CostPart | None, dict[str, float]]] = []
    for t in cost.tables:
        if t.parts:
            rows += [(p.table, p.index, p, {"on-demand": p.on_demand, "provisioned": p.provisioned}) for p in t.parts]
        else:
            rows.append((t.table, None, None, {"on-demand": t.on_demand, "provisioned": t.provisioned}))
    top = max([v for _, _, _, totals in rows for v in totals.values()] + [0.0])
    scale = BAR_W / top if top > 0 else 0.0
    out: list[str] = []
    y = TOP
    previous: str | None = None
    for table, index, part, totals in rows:
        if previous is not None and table != previous:
            y += GROUP_GAP
            out.append(f'<line class="group-line" x1="0" x2="{LABEL_W + BAR_W + VALUE_W}" y1="{y - 5}" y2="{y - 5}"/>')
        previous = table
        name = table if index is None else index
        shown = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"
        cls = "place-table" if index is None else "place-index"
        out.append(
            f'<text class="{cls}" x="{4 if index is None else 18}" y="{y + BAR_H}"'
            f"{attr('data-table', table)}>{esc(shown)}<title>{esc(name)}</title></text>"
        )
        for mode, short in MODES:
            x = float(LABEL_W)
            total = totals[mode]
            out.append(f'<text class="mode" x="{LABEL_W - 30}" y="{y + BAR_H - 2}">{short}</text>')
            for name, value in _segments(part, mode, total):
                width = value * scale
                if value > 0:
                    width = max(width, MIN_SEGMENT)
                where = table if index is None else f"{table}/{index}"
                out.append(
                    f'<rect class="bar seg-{name} mode-{mode}" x="{x:.1f}" y="{y}" width="{width:.1f}" height="{BAR_H}"'
                    f"{attr('data-table', table)}{attr('data-index', index or '')}{attr('data-mode', mode)}"
                    f"{attr('data-part', name)}{attr('data-dollars', f'{value:.6f}')}>"
                    f"<title>{esc(where)} {mode} {name}: ${value:,.4f}/month</title></rect>"
                )
                x += width
            out.append(f'<text class="value" x="{x + 6:.1f}" y="{y + BAR_H - 2}">${total:,.2f}</text>')
            y += BAR_H + BAR_GAP
        y += PLACE_GAP
    height = y + 4
    width = LABEL_W + BAR_W + VALUE_W
    return (
        f'<svg class="chart" id="cost-chart" role="img" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}" aria-label="monthly cost per table and index">'
        + "".join(out)
        + "</svg>"
    )


def legend() -> str:
    """The chart's key, as HTML."""
    items = [("reads", "reads"), ("writes", "writes"), ("storage", "storage")]
    spans = "".join(
        f'<span><span class="swatch" style="background:var(--{var})"></span>{esc(text)}</span> ' for var, text in items
    )
    return (
        f'<p class="legend-line">{spans}&#160; <b>OD</b> on-demand (average RPS) &#160; '
        "<b>prov</b> provisioned (peak RPS at 70 % utilization, lighter); dollars per month.</p>"
    )
