"""dynamodb_data_model.md: every section of the method's template, every table, index, pattern and warning."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from sql2dynamo.design.model import DataModel
from sql2dynamo.design.render.data_model import SECTIONS, render_data_model
from tests.design.render_fixtures import multi_table_model, shop_schema, single_table_model

MODELS = {"multi": multi_table_model, "single": single_table_model}


def _render(model: DataModel) -> str:
    return render_data_model(model, shop_schema())


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    body = text.split(heading + "\n", 1)[1]
    stop = re.search(rf"^#{{1,{len(level)}}} ", body, re.M)
    return body[: stop.start()] if stop else body


def _tables(text: str) -> list[list[str]]:
    """Every Markdown table as its lines."""
    out: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def _cell_count(row: str) -> int:
    return len(re.split(r"(?<!\\)\|", row.strip()[1:-1]))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_section_in_order(name: str) -> None:
    text = _render(MODELS[name]())
    assert text.splitlines()[0] == "# DynamoDB Data Model"
    level2 = [line for line in text.splitlines() if line.startswith("## ")]
    assert level2 == list(SECTIONS)
    assert SECTIONS[:5] == (
        "## Design Philosophy & Approach",
        "## Table Designs",
        "## Access Pattern Mapping",
        "## Cost Estimates",
        "## Hot Partition Analysis",
    )


@pytest.mark.parametrize("name", sorted(MODELS))
def test_mentions_every_table_index_pattern_and_warning(name: str) -> None:
    model = MODELS[name]()
    text = _render(model)
    for t in model.tables:
        section = _section(text, f"### {t.name} Table")
        for label in ("Purpose", "Partition Key", "Sort Key", "Access Patterns Served", "Capacity Planning"):
            assert f"- **{label}**: " in section, (t.name, label)
        for index in t.indexes:
            gsi = _section(text, f"### {index.name} GSI")
            for label in ("Purpose", "Partition Key", "Sort Key", "Projection", "Sparse"):
                assert f"- **{label}**: " in gsi, (index.name, label)
    mapping = _section(text, "## Access Pattern Mapping")
    for plan in model.plans:
        assert plan.pattern_id in mapping
    warnings = _section(text, "## Production Warnings")
    for w in model.warnings:
        assert w.message in warnings and f"Condition: {w.condition}" in warnings
    decisions = _section(text, "## Design Decisions")
    for d in model.decisions:
        assert f"{d.decision_type}: {d.subject}" in decisions
        assert d.rollback_strategy in decisions


@pytest.mark.parametrize("name", sorted(MODELS))
def test_tables_are_well_formed_and_pipes_escaped(name: str) -> None:
    text = _render(MODELS[name]())
    for lines in _tables(text):
        width = _cell_count(lines[0])
        assert re.fullmatch(r"\|(---\|)+", lines[1]), lines[1]
        assert all(_cell_count(row) == width for row in lines), lines
    assert "Open orders queue \\| oldest first" in text


def test_key_justification_comes_from_the_tables_own_decisions() -> None:
    text = _render(multi_table_model())
    orders = _section(text, "### Orders Table")
    pk_line = next(line for line in orders.splitlines() if line.startswith("- **Partition Key**"))
    assert "customer_id partition, created_at#order_id sort key" in pk_line
    assert "one table per entity" not in pk_line
    assert "`order_key` (S) = `{created_at}#{order_id}`" in orders
    assert "AP03" in next(line for line in orders.splitlines() if line.startswith("- **Sort Key**"))
    customer = _section(text, "### Customer Table")
    assert "one table per entity" in customer and "5,000 distinct keys" in customer
    lookup = _section(text, "### CustomerEmail Table")
    assert "lookup table + TransactWriteItems" in lookup


def test_gsi_projection_reason_sparse_ttl_and_denormalization() -> None:
    text = _render(multi_table_model())
    gsi = _section(text, "### OpenOrdersByDate GSI")
    assert "- **Projection**: INCLUDE (`order_id`, `customer_id`) - INCLUDE 2 attributes: 40 B/item" in gsi
    assert "- **Sparse**: `status` = `open` - only open orders are queued" in gsi
    assert "(hot, see Hot Partition Analysis)" in gsi
    session = _section(text, "### Session Table")
    assert "- **TTL**: `expires_at` = session.created_at + 30 days - sessions are useless" in session
    orders = _section(text, "### Orders Table")
    assert "denormalized via customer_id = customer.customer_id: AP03 shows" in orders


def test_mapping_rows_and_unsupported_patterns() -> None:
    text = _render(multi_table_model())
    mapping = _section(text, "## Access Pattern Mapping")
    ap04 = next(line for line in mapping.splitlines() if line.startswith("| AP04 "))
    assert "Orders / OpenOrdersByDate" in ap04 and "#status = :status (#status = status, :status = open)" in ap04
    ap05 = next(line for line in mapping.splitlines() if line.startswith("| AP05 "))
    assert "TransactWriteItems [PutItem, PutItem]" in ap05 and "attribute_not_exists(email)" in ap05
    ap03 = next(line for line in mapping.splitlines() if line.startswith("| AP03 "))
    assert "ScanIndexForward=false, Limit 20" in ap03 and "| 6.34 |" in ap03
    assert "| AP06 " not in mapping
    assert (
        "- **AP06** (Search customers by name): LIKE '%smith%' needs a full-text index; DynamoDB can only "
        "match key prefixes. Recommended alternative: OpenSearch fed by DynamoDB Streams"
    ) in mapping


def test_costs_have_two_decimals_totals_and_arithmetic() -> None:
    text = _render(multi_table_model())
    cost = _section(text, "## Cost Estimates")
    rows = "\n".join(line for line in cost.splitlines() if line.startswith("|"))
    amounts = re.findall(r"\$[\d,.]+", rows)
    assert len(amounts) == 5 * 3 and all(re.fullmatch(r"\$\d[\d,]*\.\d\d", a) for a in amounts)
    assert "| **Total** |" in cost and "**$194.61**" in cost and "**$125.62**" in cost
    assert "| Customer | 0.45 | 200 | 8 | 500 | 40 | $0.11 | $150.30 | $80.12 |" in cost
    assert "reads: 200 RPS × 1 RCU × 2,592,000 s × $0.125/M = $64.80" in cost
    assert "**average** RPS" in cost and "**peak** RPS" in cost
    assert "- **Monthly total (chosen billing)**: $194.61 (on-demand)" in cost
    assert "| AP04 | 5 | 10 | 2.5 | 0 | 12.5 | 0 | 25 | 0 |" in cost


def test_hot_partition_with_sharding_plan() -> None:
    text = _render(multi_table_model())
    hot = _section(text, "## Hot Partition Analysis")
    assert "| Orders | OpenOrdersByDate | `status` | AP04 | 2 | 1 | 25 | 20 | 🔥 yes |" in hot
    assert "write-shard status into open#0..open#9" in hot
    assert "| Customer | (table) | `customer_id` | AP01 | 5,000 | 1 | 0.1 | 0 | no |" in hot


def test_single_table_entities_and_overloaded_gsi_without_cost() -> None:
    text = _render(single_table_model())
    philosophy = _section(text, "## Design Philosophy & Approach")
    assert "**single-table**" in philosophy
    app = _section(text, "### AppData Table")
    assert "item type `CUSTOMER`; PK `CUSTOMER#{customer_id}`; SK `PROFILE`" in app
    assert "item type `ORDER`; PK `CUSTOMER#{customer_id}`; SK `ORDER#{created_at}#{order_id}`" in app
    assert "Attributes of `orders` items (`ORDER`):" in app
    gsi = _section(text, "### GSI1 GSI")
    assert "- **Overloaded**: written by `customer`, `orders`" in gsi
    assert "- **Sparse**: no" in gsi
    assert "No cost estimate" in _section(text, "## Cost Estimates")
    assert "- **Capacity Planning**: no capacity estimate in the model" in app


def test_trade_offs_collect_decisions_denormalization_and_unsupported() -> None:
    tradeoffs = _section(_render(multi_table_model()), "## Trade-offs")
    assert "**Orders** (KEY_DESIGN): Orders: one more thing to keep in sync" in tradeoffs
    assert "**Orders.customer_name** duplicates customer.name" in tradeoffs
    assert "**AP06** is not served by DynamoDB; instead, OpenSearch fed by DynamoDB Streams" in tradeoffs


def test_empty_model_still_has_every_section() -> None:
    empty = replace(multi_table_model(), tables=(), plans=(), decisions=(), warnings=(), cost=None, partitions=())
    text = _render(empty)
    assert [line for line in text.splitlines() if line.startswith("## ")] == list(SECTIONS)
    assert "No production warning applies" in text


def test_pipes_and_newlines_in_model_text_stay_in_their_cell() -> None:
    model = multi_table_model()
    plans = tuple(replace(p, description="first | second\nthird") if p.pattern_id == "AP01" else p for p in model.plans)
    text = _render(replace(model, plans=plans))
    row = next(line for line in text.splitlines() if line.startswith("| AP01 "))
    assert "first \\| second<br>third" in row
    assert _cell_count(row) == 10


@pytest.mark.parametrize("name", sorted(MODELS))
def test_deterministic(name: str) -> None:
    assert _render(MODELS[name]()).encode() == _render(MODELS[name]()).encode()


def test_key_decisions_named_after_source_tables_or_guarded_columns() -> None:
    # The engine may name decisions after what a table stores: `orders`, `customer(email)`.
    model = single_table_model()
    per_entity = tuple(
        replace(model.decisions[0], decision_type="KEY_DESIGN", subject=source, chosen_approach=f"{source} key")
        for source in ("customer", "orders")
    )
    text = _render(replace(model, decisions=per_entity))
    app = _section(text, "### AppData Table")
    assert "- **Partition Key**: `PK` (S) = `CUSTOMER#{customer_id}` - per entity (below)" in app
    assert "  - customer: customer key — AppData: the patterns read it by this key" in app
    assert "  - orders: orders key" in app

    multi = multi_table_model()
    renamed = tuple(
        replace(d, subject="customer(email)") if d.decision_type == "UNIQUE_CONSTRAINT" else d for d in multi.decisions
    )
    lookup = _section(_render(replace(multi, decisions=renamed)), "### CustomerEmail Table")
    assert "lookup table + TransactWriteItems" in lookup


def test_lookup_items_inside_a_single_table_count_as_unique_constraints() -> None:
    model = single_table_model()
    app = model.tables[0]
    claim = replace(
        app.entities[0],
        item_type="UNIQUE_CUSTOMER",
        kind="lookup",
        unique_columns=("email",),
        index_keys=(),
        attributes=app.entities[0].attributes[:1],
    )
    model = replace(model, tables=(replace(app, entities=(*app.entities, claim)),))
    philosophy = _section(_render(model), "## Design Philosophy & Approach")
    assert "- **Unique Constraints**: 1 lookup item type guarding `customer(email)` written with" in philosophy
