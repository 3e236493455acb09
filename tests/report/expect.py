"""What every rendered report must show, as one checker shared by the browser tests.

:func:`problems` lists everything wrong with a page's facts against the
model it reports: a console error, a request leaving the file, a table
without its card, a pattern without its row or with another status than
validate gave it, a table or index without its on-demand and provisioned
bars, a missing section.  An empty list is a pass; the adversarial tests
feed it broken pages and expect it to say so.
"""

from __future__ import annotations

from collections.abc import Mapping

from sql2dynamo.design.model import DataModel
from tests.report.browser import PageFacts

SECTIONS = ("model", "patterns", "cost", "decisions", "proof")


def problems(facts: PageFacts, model: DataModel, statuses: Mapping[str, str]) -> list[str]:
    """Everything the page gets wrong (empty: nothing)."""
    out: list[str] = [f"console: {line}" for line in facts.console]
    out += [f"request left the file: {url}" for url in facts.requests]
    tables = [t.name for t in model.tables]
    if list(facts.tables) != tables:
        out.append(f"table cards {list(facts.tables)} != the model's tables {tables}")
    for t in model.tables:
        if not facts.sample_items.get(t.name):
            out.append(f"table {t.name} shows no sample item")
    for pid, status in statuses.items():
        if pid not in facts.patterns:
            out.append(f"pattern {pid} has no visible row")
        elif facts.patterns[pid] != status or facts.row_statuses.get(pid) != status:
            out.append(f"pattern {pid} shows {facts.patterns[pid]!r}, validate said {status!r}")
    out += [f"row for unknown pattern {pid}" for pid in facts.patterns if pid not in statuses]
    drawn: dict[tuple[str, str | None, str], set[str]] = {}
    for bar in facts.bars:
        drawn.setdefault((bar["table"], bar["index"] or None, bar["mode"]), set()).add(bar["part"])
    for t in model.tables:
        for index in [None, *(i.name for i in t.indexes)]:
            for mode in ("on-demand", "provisioned"):
                parts = drawn.get((t.name, index, mode), set())
                if parts not in ({"reads", "writes", "storage"}, {"total"}):
                    where = t.name if index is None else f"{t.name}/{index}"
                    out.append(f"cost chart has no {mode} bar for {where} (segments drawn: {sorted(parts)})")
    for bar in facts.bars:
        if float(bar["dollars"]) > 0 and float(bar["width"]) <= 0:
            out.append(f"bar {bar} has dollars but no width")
    out += [f"section {s} missing" for s in SECTIONS if s not in facts.sections]
    return out
