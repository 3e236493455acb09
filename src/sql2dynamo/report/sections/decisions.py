"""Decisions and warnings: the five production warnings (raised or not) and every DesignDecision."""

from __future__ import annotations

from sql2dynamo.report.data import DecisionView, WarningView
from sql2dynamo.report.html import esc, links_html

FIVE_WARNINGS = (
    ("gsi_throttling_cascade", "GSI throttling cascade"),
    ("hot_partition", "Hot partition"),
    ("entity_boundary_violation", "Entity boundary violation"),
    ("schema_evolution_trap", "Schema evolution trap"),
    ("debugging_complexity", "Debugging complexity"),
)


def _warning(w: WarningView) -> str:
    refs = links_html(w.links, w.pattern_ids)
    return (
        f'<li class="warning-item" data-kind="{esc(w.kind)}"><p>{esc(w.message)}</p>'
        f'<p class="note">Raised because {esc(w.condition)}</p>'
        + (f"<p>Concerns: {refs}</p>" if refs else "")
        + "</li>"
    )


def _warnings(warnings: tuple[WarningView, ...]) -> str:
    known = {k for k, _ in FIVE_WARNINGS}
    kinds = list(FIVE_WARNINGS) + [(w.kind, w.kind) for w in warnings if w.kind not in known]
    out = []
    for kind, title in dict.fromkeys(kinds):
        raised = [w for w in warnings if w.kind == kind]
        body = f"<ul>{''.join(_warning(w) for w in raised)}</ul>" if raised else '<p class="ok">Not raised.</p>'
        out.append(
            f'<div class="card warn raised-{min(len(raised), 1)}" data-warning="{esc(kind)}">'
            f"<h3>{esc(title)}: {len(raised)}</h3>{body}</div>"
        )
    return "".join(out)


def _list(title: str, items: tuple[str, ...] | list[str]) -> str:
    if not items:
        return ""
    return f"<p><b>{esc(title)}</b></p><ul>{''.join(f'<li>{esc(i)}</li>' for i in items)}</ul>"


def _decision(d: DecisionView) -> str:
    refs = links_html(d.links, d.pattern_ids) or "-"
    details = (
        _list("alternatives considered", d.alternatives)
        + _list("trade-offs", d.trade_offs)
        + _list("rollback", [d.rollback] if d.rollback else [])
        + _list("monitoring", d.monitoring)
    )
    return (
        f'<tr class="decision"><td>{esc(d.decision_type)}</td><td>{esc(d.subject)}</td>'
        f"<td>{esc(d.chosen)}<details><summary>why: {esc(d.justification)}</summary>{details}</details></td>"
        f"<td>{refs}</td></tr>"
    )


def decisions_section(decisions: tuple[DecisionView, ...], warnings: tuple[WarningView, ...]) -> str:
    """Warnings first (what needs attention), then the decisions."""
    head = "<thead><tr><th>decision</th><th>subject</th><th>chosen approach</th><th>concerns</th></tr></thead>"
    rows = "".join(_decision(d) for d in decisions)
    return (
        f'<section id="decisions"><h2>Decisions and warnings</h2>'
        f"<h3>Production warnings: {len(warnings)} raised</h3>{_warnings(warnings)}"
        f"<h3>Design decisions: {len(decisions)}</h3>"
        f'<table class="decisions">{head}<tbody>{rows}</tbody></table></section>'
    )
