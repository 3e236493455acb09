"""migrationContract.json: the contract format's exact structure, the shipped JSON Schema, the contract gate."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sql2dynamo.commands.design import design
from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.contract.build import build_contract
from sql2dynamo.design.contract.modernizr import NOT_CARRIED
from sql2dynamo.design.contract.modernizr_validate import modernizr_schema
from sql2dynamo.design.contract.validate import contract_schema, validate_contract
from sql2dynamo.design.contract.write import contract_json, render_data_model_json
from sql2dynamo.design.model import DataModel, model_from_dict, model_to_dict
from tests.design.render_fixtures import multi_table_model, single_table_model

MODELS = {"multi": multi_table_model, "single": single_table_model}

# ------------------------------------------------------- the contract format, by hand
# Transcribed from the format's "CRITICAL: Exact JSON Structure Required" example, independently of
# the code and schema under test: the keys, their JSON types, which are required.
SEED_TABLE_REQUIRED = {
    "table": str,
    "type": str,
    "source_table": str,
    "pk": str,
    "attributes": dict,
    "satisfies": list,
    "estimated_item_size_bytes": int,
}
SEED_TABLE_OPTIONAL = {"sk": str, "gsis": list}
SEED_GSI_REQUIRED = {"name": str, "pk": str}
SEED_GSI_OPTIONAL = {"sk": str}
SEED_ATTRIBUTE_REQUIRED = {"type": str, "source_table": str, "source_column": str}
SEED_ATTRIBUTE_OPTIONAL = {"denormalized": bool, "justification": str, "join": dict}
SEED_JOIN = {"local_column": str, "source_column": str}
# The optional extras the contract may add (the brief's list); anything else is a bug.
EXTRAS_TABLE = {"role", "key_templates", "ttl", "entities", "lookup_tables", "unique_lookup"}
EXTRAS_GSI = {"key_templates", "projection", "sparse", "satisfies"}
EXTRAS_ATTRIBUTE = {"transform", "nullable", "key_template"}


def _typed(obj: dict[str, Any], spec: Mapping[str, type], where: str, *, required: bool) -> list[str]:
    problems: list[str] = []
    for key, kind in spec.items():
        if key not in obj:
            if required:
                problems.append(f"{where}: missing {key}")
            continue
        value = obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.append(f"{where}.{key}: {value!r} is not {kind.__name__}")
    return problems


def seed_problems(contract: Any) -> list[str]:
    """Everything in ``contract`` that a reader of the format's example would not accept."""
    if not isinstance(contract, list):
        return ["top level is not an array"]
    problems: list[str] = []
    for i, entry in enumerate(contract):
        where = f"[{i}]"
        problems += _typed(entry, SEED_TABLE_REQUIRED, where, required=True)
        problems += _typed(entry, SEED_TABLE_OPTIONAL, where, required=False)
        if entry.get("type") not in ("Table", "GSI"):
            problems.append(f"{where}.type: {entry.get('type')!r}")
        if not entry.get("source_table"):
            problems.append(f"{where}.source_table is empty")
        for key in set(entry) - set(SEED_TABLE_REQUIRED) - set(SEED_TABLE_OPTIONAL) - EXTRAS_TABLE:
            problems.append(f"{where}: unexpected {key}")
        for j, gsi in enumerate(entry.get("gsis", [])):
            problems += _typed(gsi, SEED_GSI_REQUIRED, f"{where}.gsis[{j}]", required=True)
            problems += _typed(gsi, SEED_GSI_OPTIONAL, f"{where}.gsis[{j}]", required=False)
            for key in set(gsi) - set(SEED_GSI_REQUIRED) - set(SEED_GSI_OPTIONAL) - EXTRAS_GSI:
                problems.append(f"{where}.gsis[{j}]: unexpected {key}")
        for name, attribute in entry.get("attributes", {}).items():
            at = f"{where}.attributes.{name}"
            problems += _typed(attribute, SEED_ATTRIBUTE_REQUIRED, at, required=True)
            problems += _typed(attribute, SEED_ATTRIBUTE_OPTIONAL, at, required=False)
            extra = set(attribute) - set(SEED_ATTRIBUTE_REQUIRED) - set(SEED_ATTRIBUTE_OPTIONAL)
            problems += [f"{at}: unexpected {key}" for key in extra - EXTRAS_ATTRIBUTE]
            if attribute.get("denormalized") is True:
                if not attribute.get("justification"):
                    problems.append(f"{at}: denormalized without justification")
                problems += _typed(attribute.get("join") or {}, SEED_JOIN, f"{at}.join", required=True)
        for pattern in entry.get("satisfies", []):
            if not isinstance(pattern, str):
                problems.append(f"{where}.satisfies: {pattern!r}")
    return problems


# ------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fixture_contracts_match_seed_002_exactly(name: str) -> None:
    contract = json.loads(contract_json(MODELS[name]()))
    assert seed_problems(contract) == []
    for entry in contract:
        assert entry["type"] == "Table"
        # Every key attribute's type is where a seed reader looks for it: in attributes.
        keys = [
            entry["pk"],
            entry.get("sk"),
            *(k for g in entry.get("gsis", []) for k in (g["pk"], g.get("sk"))),
        ]
        for key in filter(None, keys):
            assert entry["attributes"][key]["type"] in ("S", "N", "B")
        assert all(re.match(r"AP\d\d(: .+)?$", s) for s in entry["satisfies"])


def test_schema_is_valid_draft_2020_12_and_documents_every_extra() -> None:
    schema = contract_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    table = schema["$defs"]["table"]
    assert table["additionalProperties"] is False
    assert set(table["required"]) == set(SEED_TABLE_REQUIRED)
    for key in EXTRAS_TABLE:
        prop = table["properties"][key]
        target = schema["$defs"][prop["$ref"].rsplit("/", 1)[1]] if "$ref" in prop else prop
        assert "EXTRA" in prop.get("description", "") + target.get("description", ""), key
    assert set(schema["$defs"]["attribute"]["required"]) == set(SEED_ATTRIBUTE_REQUIRED)
    assert set(schema["$defs"]["gsi"]["required"]) == set(SEED_GSI_REQUIRED)
    # A fresh copy each time: callers cannot corrupt the validator's schema.
    schema["$defs"].clear()
    assert contract_schema()["$defs"]


def test_multi_table_contract_content() -> None:
    contract = {e["table"]: e for e in build_contract(multi_table_model())}
    assert list(contract) == ["Customer", "CustomerEmail", "Orders", "Session"]
    orders = contract["Orders"]
    assert (orders["source_table"], orders["pk"], orders["sk"]) == ("orders", "customer_id", "order_key")
    # Keys first (table pk, sk, then the GSI's), then the mapping order.
    assert list(orders["attributes"]) == [
        "customer_id", "order_key", "status", "created_at", "order_id", "total", "customer_name",
    ]  # fmt: skip
    assert orders["attributes"]["order_key"] == {
        "type": "S",
        "source_table": "orders",
        "source_column": "created_at",
        "key_template": "{created_at}#{order_id}",
    }
    assert orders["attributes"]["customer_name"] == {
        "type": "S",
        "source_table": "customer",
        "source_column": "name",
        "denormalized": True,
        "justification": "AP03 shows the customer's name with every order list",
        "join": {"local_column": "customer_id", "source_column": "customer_id"},
        "transform": "string",
        "nullable": True,
    }
    assert orders["gsis"] == [
        {
            "name": "OpenOrdersByDate",
            "pk": "status",
            "sk": "created_at",
            "key_templates": {"pk": "{status}", "sk": "{created_at}"},
            "projection": {
                "type": "INCLUDE",
                "non_key_attributes": ["order_id", "customer_id"],
                "reason": "INCLUDE 2 attributes: 40 B/item vs 64 B for ALL; AP04 reads only those",
            },
            "sparse": {
                "column": "status",
                "value": "open",
                "reason": "only open orders are queued; shipped ones drop out",
            },
            "satisfies": ["AP04: Open orders queue | oldest first"],
        }
    ]
    assert orders["key_templates"] == {"pk": "{customer_id}", "sk": "{created_at}#{order_id}"}
    assert contract["Session"]["ttl"] == {
        "attribute": "expires_at",
        "source_table": "session",
        "source_column": "created_at",
        "retention_days": 30,
        "reason": "sessions are useless after 30 days",
    }
    assert contract["Customer"]["satisfies"] == [
        "AP01: Get a customer by id",
        "AP02: Log in by email",
        "AP05: Sign up",
    ]
    assert contract["Customer"]["lookup_tables"] == [{"table": "CustomerEmail", "columns": ["email"]}]
    assert "entities" not in contract["Customer"] and "sk" not in contract["Customer"]


def test_unique_lookup_table_carries_seed_002s_transaction() -> None:
    lookup = {e["table"]: e for e in build_contract(multi_table_model())}["CustomerEmail"]
    assert (lookup["role"], lookup["source_table"], lookup["pk"]) == ("lookup", "customer", "email")
    unique = lookup["unique_lookup"]
    assert (unique["source_table"], unique["columns"], unique["guards_table"]) == (
        "customer",
        ["email"],
        "Customer",
    )
    assert unique["patterns"] == ["AP05"]
    actions = unique["ddb_query_plan"]["TransactWriteItems"]
    assert [next(iter(a)) for a in actions] == ["PutItem", "PutItem"]
    assert actions[1] == {
        "PutItem": {
            "Table": "CustomerEmail",
            "Item": {"email": "{email}", "customer_id": "{customer_id}"},
            "ConditionExpression": "attribute_not_exists(email)",
        }
    }
    assert actions[0]["PutItem"]["Table"] == "Customer"
    assert actions[0]["PutItem"]["ConditionExpression"] == "attribute_not_exists(customer_id)"


def test_unique_lookup_without_a_write_plan_states_the_canonical_transaction() -> None:
    model = multi_table_model()
    model = replace(model, plans=tuple(p for p in model.plans if p.pattern_id != "AP05"))
    unique = {e["table"]: e for e in build_contract(model)}["CustomerEmail"]["unique_lookup"]
    assert "patterns" not in unique
    actions = unique["ddb_query_plan"]["TransactWriteItems"]
    assert [a["PutItem"]["Table"] for a in actions] == ["Customer", "CustomerEmail"]
    assert [a["PutItem"]["ConditionExpression"] for a in actions] == [
        "attribute_not_exists(customer_id)",
        "attribute_not_exists(email)",
    ]
    validate_contract(build_contract(model))


def test_single_table_contract_lists_entities_and_overloaded_gsi() -> None:
    (entry,) = build_contract(single_table_model())
    assert (entry["table"], entry["source_table"], entry["pk"], entry["sk"]) == (
        "AppData",
        "customer",
        "PK",
        "SK",
    )
    assert entry["gsis"][0]["name"] == "GSI1" and "sparse" not in entry["gsis"][0]
    assert entry["gsis"][0]["projection"] == {
        "type": "ALL",
        "reason": "ALL: both patterns read whole items; KEYS_ONLY would add a GetItem each",
    }
    assert list(entry["attributes"])[:4] == ["PK", "SK", "GSI1PK", "GSI1SK"]
    # A constant key value has no source column: the template says so.
    assert entry["attributes"]["SK"] == {
        "type": "S",
        "source_table": "customer",
        "source_column": "",
        "key_template": "PROFILE",
    }
    assert [(e["source_table"], e["item_type"]) for e in entry["entities"]] == [
        ("customer", "CUSTOMER"),
        ("orders", "ORDER"),
    ]
    assert entry["entities"][1]["key_templates"] == {
        "pk": "CUSTOMER#{customer_id}",
        "sk": "ORDER#{created_at}#{order_id}",
    }
    assert entry["entities"][1]["index_key_templates"] == {
        "GSI1PK": "STATUS#{status}",
        "GSI1SK": "{created_at}",
    }
    assert list(entry["entities"][1]["attributes"]) == ["order_id", "status", "total"]


# --------------------------------------------------------------------------- mutations


def _orders(contract: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in contract if e["table"] == "Orders")


def _drop_pk(c: list[dict[str, Any]]) -> None:
    del _orders(c)["pk"]


def _denormalized_without_join(c: list[dict[str, Any]]) -> None:
    del _orders(c)["attributes"]["customer_name"]["join"]


def _denormalized_without_justification(c: list[dict[str, Any]]) -> None:
    del _orders(c)["attributes"]["customer_name"]["justification"]


def _unknown_table_key(c: list[dict[str, Any]]) -> None:
    _orders(c)["partition_key"] = "customer_id"


def _view_type(c: list[dict[str, Any]]) -> None:
    _orders(c)["type"] = "View"


def _null_source_table(c: list[dict[str, Any]]) -> None:
    _orders(c)["source_table"] = None


def _typo_in_attribute(c: list[dict[str, Any]]) -> None:
    _orders(c)["attributes"]["total"]["denormalised"] = True


def _bad_projection(c: list[dict[str, Any]]) -> None:
    _orders(c)["gsis"][0]["projection"]["type"] = "SOME"


def _undescribed_key(c: list[dict[str, Any]]) -> None:
    del _orders(c)["attributes"]["order_key"]


def _boolean_key(c: list[dict[str, Any]]) -> None:
    _orders(c)["attributes"]["status"]["type"] = "BOOL"


def _duplicate_gsi(c: list[dict[str, Any]]) -> None:
    _orders(c)["gsis"].append(dict(_orders(c)["gsis"][0]))


def _size_as_text(c: list[dict[str, Any]]) -> None:
    _orders(c)["estimated_item_size_bytes"] = "96"


MUTATIONS: dict[str, tuple[Callable[[list[dict[str, Any]]], None], str, str]] = {
    "missing pk": (_drop_pk, "$[2].pk", "pk is missing"),
    "denormalized without join": (_denormalized_without_join, "$[2].attributes.customer_name.join", "join"),
    "denormalized without justification": (
        _denormalized_without_justification,
        "$[2].attributes.customer_name.justification",
        "justification",
    ),
    "unknown top-level key": (_unknown_table_key, "$[2]", "partition_key"),
    "type View": (_view_type, "$[2].type", "View"),
    "null source_table": (_null_source_table, "$[2].source_table", "non-empty string"),
    "typo in attribute": (_typo_in_attribute, "$[2].attributes.total", "denormalised"),
    "bad projection": (_bad_projection, "$[2].gsis[0].projection.type", "SOME"),
    "undescribed key attribute": (_undescribed_key, "$[2].sk", "order_key"),
    "boolean key attribute": (_boolean_key, "$[2].attributes.status.type", "S, N or B"),
    "duplicate gsi": (_duplicate_gsi, "$[2].gsis[1].name", "used twice"),
    "size as text": (_size_as_text, "$[2].estimated_item_size_bytes", "positive integer"),
}


@pytest.mark.parametrize("case", sorted(MUTATIONS))
def test_mutations_are_rejected_naming_table_and_path(case: str) -> None:
    mutate, path, detail = MUTATIONS[case]
    contract = copy.deepcopy(build_contract(multi_table_model()))
    validate_contract(contract)
    mutate(contract)
    with pytest.raises(InputError) as caught:
        validate_contract(contract)
    message = caught.value.message
    assert "table 'Orders'" in message, message
    assert f"{path}:" in message, message
    assert detail in message, message
    assert caught.value.context.table == "Orders"
    assert caught.value.context.extra["path"] == path
    assert caught.value.exit_code == 4


@pytest.mark.parametrize("contract", [{}, [], "[]", [42]])
def test_not_a_list_of_tables(contract: Any) -> None:
    with pytest.raises(InputError, match=r"\$"):
        validate_contract(contract)


def test_the_seed_check_stands_without_the_schema() -> None:
    # The mutation the seed forbids is caught with the seed check's own words, before the schema.
    contract = copy.deepcopy(build_contract(multi_table_model()))
    _denormalized_without_join(contract)
    with pytest.raises(InputError, match="denormalized is true but join is missing"):
        validate_contract(contract)


def test_contract_json_is_the_gate() -> None:
    model = multi_table_model()
    broken_orders = replace(
        model.tables[2],
        entities=(
            replace(
                model.tables[2].entities[0],
                attributes=tuple(replace(a, justification=None) for a in model.tables[2].entities[0].attributes),
            ),
        ),
    )
    broken = replace(model, tables=(*model.tables[:2], broken_orders, model.tables[3]))
    with pytest.raises(InputError, match=r"table 'Orders'.*justification"):
        contract_json(broken)


def test_table_without_entity_has_no_source_table() -> None:
    model = multi_table_model()
    empty = replace(model.tables[3], entities=())
    with pytest.raises(InputError, match="'Session' stores no entity") as caught:
        build_contract(replace(model, tables=(*model.tables[:3], empty)))
    assert caught.value.context.table == "Session"


# -------------------------------------------------------------------------- text output


@pytest.mark.parametrize("name", sorted(MODELS))
def test_contract_text_is_indented_deterministic_and_round_trips(name: str) -> None:
    model = MODELS[name]()
    text = contract_json(model)
    assert text.endswith("}\n]\n") and text.startswith('[\n  {\n    "table": ')
    assert text.encode() == contract_json(MODELS[name]()).encode()
    assert json.loads(text) == build_contract(model)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_data_model_json_in_dataclass_order_round_trips(name: str) -> None:
    model: DataModel = MODELS[name]()
    text = render_data_model_json(model)
    assert text.endswith("}\n") and text.encode() == render_data_model_json(MODELS[name]()).encode()
    data = json.loads(text)
    assert list(data) == list(model_to_dict(model))
    assert list(data)[:3] == ["application", "strategy", "billing"]
    assert model_from_dict(data) == model


def test_transaction_keeps_expression_placeholders() -> None:
    model = multi_table_model()
    signup = model.plan("AP05")
    put_customer, put_email = signup.steps[0].items
    named = replace(put_email, condition="attribute_not_exists(#email)", names={"#email": "email"})
    steps = (replace(signup.steps[0], items=(put_customer, named)),)
    plans = tuple(replace(p, steps=steps) if p is signup else p for p in model.plans)
    contract = build_contract(replace(model, plans=plans))
    validate_contract(contract)
    actions = {e["table"]: e for e in contract}["CustomerEmail"]["unique_lookup"]["ddb_query_plan"]
    assert actions["TransactWriteItems"][1]["PutItem"]["ConditionExpression"] == "attribute_not_exists(#email)"
    assert actions["TransactWriteItems"][1]["PutItem"]["ExpressionAttributeNames"] == {"#email": "email"}
    assert "ExpressionAttributeNames" not in actions["TransactWriteItems"][0]["PutItem"]


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_design_writes_the_modernizr_contract_format_on_request(
    strategy: str, example_inputs: dict[str, Path], tmp_path: Path
) -> None:
    """``--contract-format modernizr``: the contract in that form, validated; the document says what it leaves out."""
    inputs = example_inputs["decision_data"]
    runs = {}
    for fmt in ("seed", "modernizr"):
        out = tmp_path / fmt
        design(
            inputs / "schema.json",
            inputs / "access_patterns.yaml",
            out_dir=out,
            reporter=RecordingReporter(),
            confirm=lambda gate, question: True,
            strategy=strategy,
            contract_format=fmt,
        )
        runs[fmt] = out
    contract = json.loads((runs["modernizr"] / "migrationContract.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(modernizr_schema()).validate(contract)
    assert isinstance(json.loads((runs["seed"] / "migrationContract.json").read_text(encoding="utf-8")), list)
    # The model is the same; only the contract's form and the note in the document differ.
    assert (runs["modernizr"] / "data_model.json").read_bytes() == (runs["seed"] / "data_model.json").read_bytes()
    seed_doc = (runs["seed"] / "dynamodb_data_model.md").read_text(encoding="utf-8")
    modernizr_doc = (runs["modernizr"] / "dynamodb_data_model.md").read_text(encoding="utf-8")
    assert modernizr_doc.startswith(seed_doc)
    assert "## What the Modernizr Contract Leaves Out" in modernizr_doc
    assert all(item in modernizr_doc for item in NOT_CARRIED)
    assert "Modernizr" not in seed_doc


def test_design_refuses_an_unknown_contract_format(example_inputs: dict[str, Path], tmp_path: Path) -> None:
    inputs = example_inputs["decision_data"]
    with pytest.raises(UsageError, match="unknown --contract-format 'yaml'"):
        design(
            inputs / "schema.json",
            inputs / "access_patterns.yaml",
            out_dir=tmp_path,
            reporter=RecordingReporter(),
            confirm=lambda gate, question: True,
            contract_format="yaml",
        )
    assert list(tmp_path.iterdir()) == []
