"""What issue 3's "done when" promises, checked on the shipped examples in both strategies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sql2dynamo.commands.design import design
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import DataModel, PlanStep, TableSpec

STRATEGIES = ("multi-table", "single-table")
EXAMPLES = ("algoitny", "hustle_hub", "decision_data", "chinook")


def _design(inputs: Path, out: Path, strategy: str) -> DataModel:
    return design(
        inputs / "schema.json",
        inputs / "access_patterns.yaml",
        out_dir=out,
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
        strategy=strategy,
    ).model


@pytest.fixture(scope="module")
def models(example_inputs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    out = {}
    for name in EXAMPLES:
        for strategy in STRATEGIES:
            d = tmp_path_factory.mktemp(f"{name}-{strategy}")
            out[(name, strategy)] = (_design(example_inputs[name], d, strategy), d)
    return out


def _steps(steps: tuple[PlanStep, ...]) -> list[PlanStep]:
    return [s for step in steps for s in (step, *_steps(step.items))]


def _index(model: DataModel, table: str, name: str | None) -> Any:
    return next(i for i in model.table(table).indexes if i.name == name)


def _entity_table(model: DataModel, source: str) -> TableSpec:
    return next(t for t in model.tables if any(e.source_table == source and e.kind == "entity" for e in t.entities))


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_pattern_has_a_plan(
    example: str, strategy: str, models: dict[Any, Any], example_inputs: dict[str, Path]
) -> None:
    model, _ = models[(example, strategy)]
    text = (example_inputs[example] / "access_patterns.yaml").read_text()
    ids = [line.split(":", 1)[1].strip() for line in text.splitlines() if line.strip().startswith("- id:")]
    assert [p.pattern_id for p in model.plans] == ids
    for plan in model.plans:
        if plan.supported:
            assert plan.steps or "TTL" in plan.reason, plan.pattern_id
            for step in _steps(plan.steps):
                assert step.operation in (
                    "GetItem",
                    "Query",
                    "Scan",
                    "BatchGetItem",
                    "PutItem",
                    "UpdateItem",
                    "DeleteItem",
                    "TransactWriteItems",
                )
                assert step.operation != "Scan" or "small" in (step.note or ""), plan.pattern_id
        else:
            assert plan.reason and plan.alternative, plan.pattern_id  # never silently dropped


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(
    ("example", "table", "insert"),
    [("algoitny", "users", "AP04"), ("decision_data", "users", "AP02"), ("hustle_hub", "users", None)],
)
def test_unique_emails_become_lookup_tables_written_in_transactions(
    example: str, table: str, insert: str | None, strategy: str, models: dict[Any, Any]
) -> None:
    model, _ = models[(example, strategy)]
    lookups = [e for t in model.tables for e in t.entities if e.kind == "lookup" and e.source_table == table]
    assert ("email",) in [e.unique_columns for e in lookups]
    if insert:
        (tx,) = model.plan(insert).steps
        assert tx.operation == "TransactWriteItems"
        assert [s.operation for s in tx.items] == ["PutItem"] * len(tx.items)
        assert all(s.condition and s.condition.startswith("attribute_not_exists(") for s in tx.items)
        assert len(tx.items) == 1 + sum(1 for e in lookups)  # the item and one claim per unique value


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_algoitny_daily_usage_count_is_a_key_query(strategy: str, models: dict[Any, Any]) -> None:
    model, _ = models[("algoitny", strategy)]
    (step,) = model.plan("AP27").steps
    assert (step.operation, step.select) == ("Query", "COUNT")
    # Nothing reads a usage log by its id: the items are keyed where AP27 reads them, on the base table,
    # so the strong read it asks for is strong (an index reads eventually only) and AP28 writes no index.
    assert step.index is None and step.consistent_read
    spec = model.table(step.table)
    entity = next(e for e in spec.entities if e.source_table == "usage_logs")
    # One partition per user and action, sorted by time: `created_at >= :day_start` is a sort-key range, exact for
    # any day_start (a per-day partition would miss the later days; validate found that difference).
    assert "{created_at" not in entity.pk.template
    assert set(entity.pk.columns) == {"user_id", "action"}
    assert entity.sk is not None and entity.sk.columns == ("created_at", "id")
    assert step.key_condition and ">=" in step.key_condition and "begins_with" not in step.key_condition
    assert model.plan("AP28").wcu_per_call == 1.0  # the item alone: no index to write
    decision = next(d for d in model.decisions if d.decision_type == "KEY_DESIGN" and d.subject == "usage_logs")
    assert "57.9 write units/s saved" in decision.justification


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_public_timeline_uses_a_sparse_index(strategy: str, models: dict[Any, Any]) -> None:
    model, _ = models[("algoitny", strategy)]
    (step,) = model.plan("AP21").steps
    index = _index(model, step.table, step.index)
    entity = next(e for e in model.table(step.table).entities if e.source_table == "search_history")
    condition = entity.sparse_keys.get(index.pk.attribute)
    assert condition is not None and condition.column == "is_public"
    assert step.scan_forward is False  # newest first


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_usage_logs_have_ttl(strategy: str, models: dict[Any, Any]) -> None:
    model, _ = models[("algoitny", strategy)]
    table = _entity_table(model, "usage_logs")
    entity = next(e for e in table.entities if e.source_table == "usage_logs")
    assert entity.ttl is not None and (entity.ttl.retention_days, entity.ttl.source_column) == (90, "created_at")
    assert table.ttl_attribute == entity.ttl.attribute
    purge = model.plan("AP29")
    assert purge.supported and not purge.steps and "TTL" in purge.reason


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_unsuitable_patterns_name_the_alternative(strategy: str, models: dict[Any, Any]) -> None:
    model, _ = models[("chinook", strategy)]
    search, chart = model.plan("AP19"), model.plan("AP20")
    assert not search.supported and "OpenSearch" in (search.alternative or "")
    assert not chart.supported and "S3" in (chart.alternative or "")


def test_single_table_style(models: dict[Any, Any]) -> None:
    model, _ = models[("algoitny", "single-table")]
    (table,) = model.tables
    assert (table.pk.attribute, table.sk.attribute if table.sk else None) == ("PK", "SK")
    users = next(e for e in table.entities if e.source_table == "users" and e.kind == "entity")
    assert users.pk.template.startswith("USER#") and users.item_type == "USER"
    assert all(i.name.startswith("GSI") and i.pk.attribute == f"{i.name}PK" for i in table.indexes)
    tests = next(e for e in table.entities if e.source_table == "test_cases")
    problems = next(e for e in table.entities if e.source_table == "problems" and e.kind == "entity")
    # Test cases live in their problem's partition (an item collection).
    assert tests.pk.template.split("#")[0] == problems.pk.template.split("#")[0] == "PROBLEM"


def test_multi_table_uses_natural_key_names(models: dict[Any, Any]) -> None:
    model, _ = models[("chinook", "multi-table")]
    assert model.table("customer").pk.attribute == "customer_id"
    assert model.table("invoice_line").pk.attribute == "invoice_id"  # lines grouped under their invoice
    assert all(t.pk.attribute not in ("PK", "pk") for t in model.tables)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_contract_has_seed_002_shape(example: str, strategy: str, models: dict[Any, Any]) -> None:
    """An independent reading of the contract format's "exact JSON structure", not the code under test."""
    _, out = models[(example, strategy)]
    contract = json.loads((out / "migrationContract.json").read_text())
    assert isinstance(contract, list) and contract
    for entry in contract:
        assert isinstance(entry["table"], str) and entry["table"]
        assert entry["type"] in ("Table", "GSI")
        assert isinstance(entry["source_table"], str) and entry["source_table"]
        assert isinstance(entry["pk"], str) and isinstance(entry.get("sk", ""), str)
        for gsi in entry.get("gsis", []):
            assert isinstance(gsi["name"], str) and isinstance(gsi["pk"], str)
        assert isinstance(entry["attributes"], dict)
        for attr in entry["attributes"].values():
            assert isinstance(attr["type"], str) and isinstance(attr["source_table"], str)
            assert isinstance(attr["source_column"], str)
            if attr.get("denormalized"):
                assert attr["justification"] and set(attr["join"]) == {"local_column", "source_column"}
        assert isinstance(entry["satisfies"], list)
        assert isinstance(entry["estimated_item_size_bytes"], int) and entry["estimated_item_size_bytes"] > 0
