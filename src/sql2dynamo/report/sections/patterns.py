"""The access patterns: one sortable, filterable row per pattern with its SQL, plan, capacity and verdict."""

from __future__ import annotations

from sql2dynamo.report.data import FailedCase, PatternView, StepView
from sql2dynamo.report.html import anchor, attr, code, esc, num, table_link

STATUSES = ("pass", "fail", "unsupported", "unvalidated")


def status_of(p: PatternView) -> str:
    """validate's verdict; without one, ``unsupported`` when the design says so, else ``unvalidated``."""
    if p.check is not None:
        return p.check.status
    return "unvalidated" if p.supported else "unsupported"


def _step(step: StepView) -> str:
    where = table_link(step.table) if step.index is None else table_link(step.table, step.index)
    parts = [f"<b>{esc(step.operation)}</b> {where}"]
    for label, value in (
        ("key", step.key),
        ("key condition", step.key_condition),
        ("filter", step.filter),
        ("update", step.update),
        ("condition", step.condition),
    ):
        if value:
            parts.append(f"{esc(label)} {code(value)}")
    if step.note:
        parts.append(f'<span class="note">{esc(step.note)}</span>')
    return f'<li class="depth-{min(step.depth, 1)}">{"; ".join(parts)}</li>'


def _plan(p: PatternView) -> str:
    if not p.supported:
        alt = f"<br>instead: {esc(p.alternative)}" if p.alternative else ""
        return f'<span class="status-unsupported">unsupported</span>: {esc(p.reason)}{alt}'
    steps = "".join(_step(s) for s in p.steps)
    return f'<ol class="plan">{steps}</ol>'


def _rows(title: str, rows: tuple[str, ...]) -> str:
    if not rows:
        return ""
    return f"<div><b>{esc(title)}</b>" + "".join(f"<pre>{esc(r)}</pre>" for r in rows) + "</div>"


def _failure(case: FailedCase) -> str:
    return (
        f'<div class="case"><p><b>[{esc(case.label)}]</b> {esc(case.reason)}; expected {num(case.expected)}, '
        f"got {num(case.actual)}<br>parameters {code(case.params)}</p>"
        f"{_rows('expected (SQL)', case.expected_rows)}{_rows('actual (DynamoDB)', case.actual_rows)}</div>"
    )


def _verdict(p: PatternView) -> str:
    status = status_of(p)
    label = f'<span class="status status-{status}">{esc(status)}</span>'
    check = p.check
    if check is None:
        return label + (f"<br>{esc(p.reason)}" if status == "unsupported" and p.reason else "")
    figures = (
        f'<br><span class="note">{check.cases_ok}/{check.cases} cases, {num(check.calls)} calls, '
        f"{num(check.capacity)} units"
        + (f", p50 {num(check.p50_ms)} ms" if check.p50_ms is not None else "")
        + "</span>"
    )
    if status == "fail":
        cases = "".join(_failure(c) for c in check.failures) or f"<p>{esc(check.reason)}</p>"
        return (
            f'{label}{figures}<details class="failure"><summary>{esc(check.reason or "differs")}</summary>'
            f"{cases}</details>"
        )
    if status == "unsupported":
        return f"{label}<br>{esc(check.reason or p.reason)}"
    return label + figures


def _row(p: PatternView) -> str:
    status = status_of(p)
    rps = p.rps_avg if p.rps_avg is not None else -1
    units = p.rcu_per_call + p.wcu_per_call
    per_call = [f"{num(v)} {unit}" for v, unit in ((p.rcu_per_call, "RCU"), (p.wcu_per_call, "WCU")) if v]
    capacity = " + ".join(per_call) or "0"
    sql = f"<pre>{esc(p.sql)}</pre>" if p.sql else '<span class="note">(SQL not given)</span>'
    rate = "-" if p.rps_avg is None else f'{num(p.rps_avg)}<br><span class="note">peak {num(p.rps_peak)}</span>'
    return (
        f'<tr class="pattern-row"{attr("id", anchor("pattern", p.pattern_id))}{attr("data-pattern", p.pattern_id)}'
        f"{attr('data-status', status)}{attr('data-kind', p.kind)}>"
        f"<td{attr('data-value', p.pattern_id)}><b>{esc(p.pattern_id)}</b></td>"
        f"<td{attr('data-value', p.kind)}>{esc(p.kind)}</td>"
        f"<td{attr('data-value', p.description)}>{esc(p.description)}{sql}</td>"
        f'<td class="n"{attr("data-value", f"{rps:.6f}")}>{rate}</td>'
        f"<td>{_plan(p)}</td>"
        f'<td class="n"{attr("data-value", f"{units:.6f}")}>{capacity}'
        f'<br><span class="note">{num(p.expected_items)} item(s)</span></td>'
        f"<td{attr('data-value', f'{STATUSES.index(status)}{p.pattern_id}')}>{_verdict(p)}</td></tr>"
    )


def patterns_section(patterns: tuple[PatternView, ...], validated: bool) -> str:
    """The pattern table with its filter controls."""
    counts = {s: sum(status_of(p) == s for p in patterns) for s in STATUSES}
    options = "".join(f'<option value="{s}">{s} ({counts[s]})</option>' for s in STATUSES if counts[s])
    kinds = sorted({p.kind for p in patterns})
    kind_options = "".join(f'<option value="{esc(k)}">{esc(k)}</option>' for k in kinds)
    head = (
        '<thead><tr><th data-sort="text">id</th><th data-sort="text">kind</th><th data-sort="text">pattern and SQL</th>'
        '<th class="n" data-sort="num">rps avg</th><th>plan</th><th class="n" data-sort="num">capacity per call</th>'
        '<th data-sort="text">validate</th></tr></thead>'
    )
    note = (
        ""
        if validated
        else '<p class="missing">No validate result given: pass <code>--validate FILE.json</code> '
        "(written by <code>sql2dynamo validate --report</code>) to show each pattern's verdict.</p>"
    )
    filters = (
        '<div class="filters"><input id="pattern-filter" type="search" placeholder="filter: id, SQL, table, reason"'
        ' aria-label="filter patterns">'
        f'<select id="pattern-status" aria-label="status"><option value="">every status</option>{options}</select>'
        f'<select id="pattern-kind" aria-label="kind"><option value="">reads and writes</option>{kind_options}</select>'
        f'<span id="pattern-shown" class="note">{len(patterns)} patterns</span></div>'
    )
    body = "".join(_row(p) for p in patterns)
    return (
        f'<section id="patterns"><h2>Access patterns: {len(patterns)}</h2>{note}{filters}'
        f'<table id="pattern-table">{head}<tbody>{body}</tbody></table></section>'
    )
