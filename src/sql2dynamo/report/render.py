"""The page: head (inline style, a Content-Security-Policy allowing nothing external), header, sections, script.

:func:`render_report` is a pure function of its :class:`ReportData`: no clock,
no environment, so the same data always gives the same bytes.
"""

from __future__ import annotations

from sql2dynamo.report.assets import CSP, SCRIPT, STYLE
from sql2dynamo.report.data import ReportData
from sql2dynamo.report.html import attr, esc, money
from sql2dynamo.report.sections.cost import cost_section
from sql2dynamo.report.sections.decisions import decisions_section
from sql2dynamo.report.sections.model import model_section
from sql2dynamo.report.sections.patterns import STATUSES, patterns_section, status_of
from sql2dynamo.report.sections.proof import proof_section

NAV = (
    ("model", "Model"),
    ("patterns", "Access patterns"),
    ("cost", "Cost"),
    ("decisions", "Decisions and warnings"),
    ("proof", "Migration and proof"),
)


def _header(data: ReportData) -> str:
    counts = {s: sum(status_of(p) == s for p in data.patterns) for s in STATUSES}
    chips = [
        f"{len(data.tables)} tables",
        f"{sum(len(t.indexes) for t in data.tables)} indexes",
        f"{len(data.patterns)} access patterns",
    ]
    chips += [f"{n} {s}" for s, n in counts.items() if n]
    if data.cost is not None:
        chips.append(f"{money(data.cost.total_on_demand)}/month on-demand")
    if data.verification is not None:
        chips.append("verify: match" if data.verification.ok else "verify: DIFFERS")
    if data.migration is not None:
        chips.append(f"{data.migration.total_items:,} items migrated")
    chip_html = "".join(f'<span class="chip">{c}</span>' for c in chips)
    nav = "".join(f'<a href="#{key}">{esc(text)}</a>' for key, text in NAV)
    return (
        f"<header><h1>{esc(data.title)}</h1>"
        f'<div class="facts">application {esc(data.application)} &#183; {esc(data.strategy)} &#183; '
        f"billing {esc(data.billing)} &#183; source dialect {esc(data.source_dialect)}</div>"
        f'<div class="chips">{chip_html}</div><nav>{nav}</nav></header>'
    )


def render_report(data: ReportData) -> str:
    """The whole self-contained HTML document."""
    body = (
        model_section(data.tables)
        + patterns_section(data.patterns, data.validation is not None)
        + cost_section(data.cost)
        + decisions_section(data.decisions, data.warnings)
        + proof_section(data.migration, data.verification, data.validation)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy"{attr("content", CSP)}>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(data.title)}</title><style>{STYLE}</style></head>\n"
        f"<body>{_header(data)}<main>\n{body}\n</main><script>{SCRIPT}</script></body></html>\n"
    )
