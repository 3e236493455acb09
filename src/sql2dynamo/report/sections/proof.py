"""Migration and proof: migrate's rates and rejects, verify's counts and differences, validate's tally."""

from __future__ import annotations

from sql2dynamo.report.data import MigrationView, RejectView, ValidationView, VerificationView
from sql2dynamo.report.html import code, empty_note, esc, num, table_link


def _rejects(rejects: tuple[RejectView, ...], title: str) -> str:
    if not rejects:
        return ""
    rows = "".join(
        f"<tr><td>{esc(r.source_table)}</td><td>{esc(r.table or '-')}</td><td>{code(r.key)}</td>"
        f"<td>{esc(r.reason)}</td></tr>"
        for r in rejects
    )
    head = "<thead><tr><th>source table</th><th>DynamoDB table</th><th>key</th><th>reason</th></tr></thead>"
    return f'<h4>{esc(title)}</h4><table class="rejects">{head}<tbody>{rows}</tbody></table>'


def _migration(m: MigrationView | None) -> str:
    if m is None:
        return "<h3>Migration</h3>" + empty_note("migrate summary", "--migrate FILE.json")
    rows = "".join(
        f'<tr class="migrated" data-table="{esc(t.table)}"><td>{esc(t.table)}</td><td class="n">{num(t.read)}</td>'
        f'<td class="n">{num(t.items)}</td><td class="n">{num(t.rejected)}</td><td class="n">{num(t.failed)}</td>'
        f'<td class="n">{num(t.seconds)}</td><td class="n">{num(round(t.items_per_second))}</td></tr>'
        for t in m.tables
    )
    total = (
        f'<tr><th>total</th><td class="n">{num(sum(t.read for t in m.tables))}</td>'
        f'<td class="n">{num(m.total_items)}</td><td class="n">{num(sum(t.rejected for t in m.tables))}</td>'
        f'<td class="n">{num(sum(t.failed for t in m.tables))}</td><td class="n">{num(m.seconds)}</td>'
        f'<td class="n">{num(round(m.total_items_per_second))}</td></tr>'
    )
    head = (
        "<thead><tr><th>source table</th><th>rows read</th><th>items written</th><th>rejected</th><th>failed</th>"
        "<th>seconds</th><th>items/s</th></tr></thead>"
    )
    what = "dry run from" if m.dry_run else "from"
    rejected = sum(t.rejected + t.failed for t in m.tables)
    note = "" if rejected else '<p class="ok">No row rejected, no item failed.</p>'
    return (
        f'<h3>Migration</h3><p class="note">{esc(what)} {esc(m.source)} to {esc(m.target or "nowhere")}</p>'
        f'<table class="migration">{head}<tbody>{rows}{total}</tbody></table>{note}'
        + _rejects(m.rejects, "Rejected rows (first ones, with reasons)")
    )


def _verification(v: VerificationView | None) -> str:
    if v is None:
        return "<h3>Verification</h3>" + empty_note("verify report", "--verify FILE.json")
    rows = "".join(
        f'<tr class="verified" data-table="{esc(t.table)}"><td>{table_link(t.table)}</td>'
        f'<td class="n">{num(t.expected)}</td><td class="n">{num(t.actual)}</td><td class="n">{num(t.missing)}</td>'
        f'<td class="n">{num(t.extra)}</td><td class="n">{num(t.different)}</td><td class="n">{num(t.expired)}</td>'
        f"<td>{'<span class=ok>match</span>' if t.ok else '<span class=bad>differs</span>'}</td></tr>"
        for t in v.tables
    )
    head = (
        "<thead><tr><th>table</th><th>expected</th><th>actual</th><th>missing</th><th>extra</th><th>different</th>"
        "<th>expired (TTL)</th><th>verdict</th></tr></thead>"
    )
    verdict = (
        '<p class="ok">Every item matches the source.</p>'
        if v.ok
        else '<p class="bad">The target differs from the source.</p>'
    )
    diffs = ""
    if v.differences:
        items = "".join(
            f'<li class="difference"><b>{esc(d.kind)}</b> in {table_link(d.table)} {code(d.key)}'
            + ("".join(f"<pre>{esc(line)}</pre>" for line in d.diff))
            + "</li>"
            for d in v.differences
        )
        diffs = f"<h4>Differences (first ones)</h4><ul>{items}</ul>"
    elif not v.ok and not v.differences_known:
        diffs = '<p class="note">A summary lists no keys: pass verify\'s <code>--report</code> file to see them.</p>'
    return (
        f'<h3>Verification</h3><p class="note">{esc(v.target)} against {esc(v.source)}</p>{verdict}'
        f'<table class="verification">{head}<tbody>{rows}</tbody></table>{diffs}'
        + _rejects(v.rejects, "Rejects verify counted")
    )


def _validation(v: ValidationView | None) -> str:
    if v is None:
        return ""
    verdict = "ok" if v.ok else "bad"
    return (
        f'<h3>Validation</h3><p class="note">{esc(v.target)} against {esc(v.source)}</p>'
        f'<p class="{verdict}">{v.passed} access patterns return what their SQL returns, {v.failed} fail, '
        f"{v.unsupported} unsupported (the design says why); each pattern's verdict is in its row above.</p>"
    )


def proof_section(m: MigrationView | None, v: VerificationView | None, val: ValidationView | None) -> str:
    """The migration and proof section."""
    return (
        f'<section id="proof"><h2>Migration and proof</h2>{_migration(m)}{_verification(v)}{_validation(val)}</section>'
    )
