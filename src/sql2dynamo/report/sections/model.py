"""The model view: per table its keys, indexes, entities (colour-coded) and sample items by partition."""

from __future__ import annotations

from sql2dynamo.report.assets import PALETTE
from sql2dynamo.report.data import Collection, EntityView, IndexView, KeyView, TableView
from sql2dynamo.report.html import anchor, attr, code, esc, num, pattern_link


def _key(key: KeyView | None) -> str:
    if key is None:
        return "-"
    return f"<code>{esc(key.attribute)}</code> ({esc(key.type)}) = {code(key.template)}"


def _index_row(table: str, index: IndexView) -> str:
    serves = " ".join(pattern_link(p) for p in index.serves) or "-"
    return (
        f'<tr class="index-row"{attr("id", anchor("index", f"{table}/{index.name}"))}{attr("data-index", index.name)}>'
        f"<td><code>{esc(index.name)}</code></td><td>{esc(index.kind)}</td><td>{_key(index.pk)}</td>"
        f"<td>{_key(index.sk)}</td><td>{esc(index.projection)}</td><td>{esc(index.sparse or '-')}</td>"
        f"<td>{serves}</td></tr>"
    )


def _legend(entities: tuple[EntityView, ...]) -> str:
    seen: set[tuple[str, str, str | None]] = set()
    spans = []
    for e in entities:
        if (e.label, e.pk_template, e.sk_template) in seen:
            continue
        seen.add((e.label, e.pk_template, e.sk_template))
        keys = f"{code(e.pk_template)}" + (f" / {code(e.sk_template)}" if e.sk_template else "")
        source = "" if e.label == e.source_table else f' <span class="note">from {esc(e.source_table)}</span>'
        spans.append(
            f'<span class="ent ent-{e.colour % len(PALETTE)}"{attr("data-entity", e.label)}>'
            f"<b>{esc(e.label)}</b>{source} {keys}</span>"
        )
    return f'<div class="legend">{"".join(spans)}</div>'


def _collection(table: TableView, collection: Collection, colours: dict[str, int]) -> str:
    rows = []
    for n, item in enumerate(collection.items):
        colour = colours.get(item.entity, 0) % len(PALETTE)
        pk = ""
        if n == 0:
            pk = f'<td class="pk" rowspan="{len(collection.items)}">{esc(collection.pk)}</td>'
        cells = " ".join(
            f'<span class="attr"><b>{esc(c.name)}</b><i>{esc(c.type)}</i>{esc(c.text)}</span>' for c in item.attributes
        )
        sk = f'<td class="sk">{esc(item.sk)}</td>' if table.sk is not None else ""
        rows.append(
            f'<tr class="item ent-{colour}"{attr("data-entity", item.entity)}>{pk}{sk}'
            f'<td><span class="etag">{esc(item.entity)}</span>{cells}</td></tr>'
        )
    return f'<tbody class="collection"{attr("data-pk", collection.pk)}>{"".join(rows)}</tbody>'


def _samples(table: TableView) -> str:
    if not table.samples:
        return '<p class="note">No sample items: the table holds none.</p>'
    colours = {e.label: e.colour for e in table.entities}
    if table.sample_source == "migrated":
        note = "Sample items read from the migrated table, grouped by partition key (item collections)."
    else:
        note = (
            "Illustrative items: what migrate writes for made-up rows (values of each column's type), "
            "grouped by partition key; run the report with migrated data to see real items."
        )
    sk_head = f"<th>{esc(table.sk.attribute)} (sort key)</th>" if table.sk else ""
    head = f"<thead><tr><th>{esc(table.pk.attribute)} (partition key)</th>{sk_head}<th>attributes</th></tr></thead>"
    body = "".join(_collection(table, c, colours) for c in table.samples)
    return (
        f'<p class="note">{esc(note)}</p>'
        f'<table class="items{" keyed" if table.sk else ""}"{attr("data-source", table.sample_source)}>'
        f"{head}{body}</table>"
    )


def table_card(table: TableView) -> str:
    """One table's card."""
    facts = [
        ("partition key", _key(table.pk)),
        ("sort key", _key(table.sk)),
        ("role", esc(table.role)),
        ("estimated item size", f"{num(table.item_bytes)} B"),
        ("TTL", code(table.ttl_attribute) if table.ttl_attribute else "-"),
        ("stream", "on" if table.stream else "off"),
        ("serves", " ".join(pattern_link(p) for p in table.satisfies) or "-"),
    ]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in facts)
    if table.indexes:
        head = (
            "<thead><tr><th>index</th><th>kind</th><th>partition key</th><th>sort key</th><th>projection</th>"
            "<th>sparse on</th><th>serves</th></tr></thead>"
        )
        rows = "".join(_index_row(table.name, i) for i in table.indexes)
        indexes = f'<table class="indexes">{head}<tbody>{rows}</tbody></table>'
    else:
        indexes = '<p class="note">No secondary index.</p>'
    return (
        f'<article class="card table-card"{attr("id", anchor("table", table.name))}{attr("data-table", table.name)}>'
        f"<h3>{esc(table.name)}</h3>"
        + (f'<p class="purpose">{esc(table.purpose)}</p>' if table.purpose else "")
        + f'<dl class="keys">{dl}</dl>{indexes}{_legend(table.entities)}{_samples(table)}</article>'
    )


def model_section(tables: tuple[TableView, ...]) -> str:
    """The model section: every table's card."""
    cards = "".join(table_card(t) for t in tables)
    return f'<section id="model"><h2>Model: {len(tables)} table(s)</h2>{cards}</section>'
