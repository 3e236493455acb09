"""Both contract forms for every example and strategy: valid, read back, converted and round-tripped.

The models are the committed designs of every shipped example
(``tests/design/golden/<example>/<strategy>/data_model.json``), so the test
covers exactly what ``design`` writes.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sql2dynamo.cli.main import main
from sql2dynamo.commands.contract import convert
from sql2dynamo.common.errors import InputError, UnsupportedError, UsageError
from sql2dynamo.design.contract.build import build_contract
from sql2dynamo.design.contract.modernizr import build_modernizr
from sql2dynamo.design.contract.modernizr_validate import modernizr_schema, validate_modernizr
from sql2dynamo.design.contract.read import read_contract
from sql2dynamo.design.contract.validate import validate_contract
from sql2dynamo.design.contract.write import contract_json
from sql2dynamo.design.model import DataModel, model_from_dict
from sql2dynamo.target.model_file import load_model
from tests.contract.views import migration_view, plain

GOLDEN = Path(__file__).parent.parent / "design" / "golden"
DESIGNS = sorted(f"{p.parent.parent.name}/{p.parent.name}" for p in GOLDEN.glob("*/*/data_model.json"))
SHIPPED = Path(__file__).parent.parent.parent / "src" / "sql2dynamo" / "design" / "data"


def _model(design: str) -> DataModel:
    return model_from_dict(json.loads((GOLDEN / design / "data_model.json").read_text(encoding="utf-8")))


def test_every_example_and_strategy_is_covered() -> None:
    examples = {d.split("/")[0] for d in DESIGNS}
    assert examples == {"algoitny", "chinook", "decision_data", "hustle_hub"}
    assert len(DESIGNS) == 8


# ------------------------------------------------------------------ valid against their schemas


def _undeclared(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str) -> list[str]:
    """Keys of ``value`` that ``schema`` (resolving $ref, following properties and items) does not declare."""
    while "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    out: list[str] = []
    if isinstance(value, dict):
        declared = dict(schema.get("properties", {}))
        for branch in schema.get("allOf", []):
            declared.update(branch.get("then", {}).get("properties", {}))
        for key, item in value.items():
            if key not in declared:
                out.append(f"{path}.{key}")
            else:
                out += _undeclared(item, declared[key], root, f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out += _undeclared(item, schema["items"], root, f"{path}[{i}]")
    return out


@pytest.mark.parametrize("design", DESIGNS)
def test_both_forms_are_valid_against_their_schemas(design: str) -> None:
    model = _model(design)
    seed = plain(build_contract(model))
    validate_contract(seed)
    modernizr = plain(build_modernizr(model))
    # The shipped file, with an independent validator; and no key its schema does not declare.
    jsonschema.Draft7Validator(modernizr_schema()).validate(modernizr)
    validate_modernizr(modernizr)
    assert _undeclared(modernizr, modernizr_schema(), modernizr_schema(), "$") == []
    # A single-table design is one multi-entity table holding every entity.
    if design.endswith("single-table"):
        assert [t["type"] for t in modernizr["tables"]] == ["multi-entity"]
        assert len(modernizr["tables"][0]["entities"]) == len(model.tables[0].entities)
    else:
        assert {t["type"] for t in modernizr["tables"]} == {"single-entity"}


def test_the_shipped_modernizr_schema_and_its_licence() -> None:
    schema = json.loads((SHIPPED / "modernizr_migration_contract_schema.json").read_text(encoding="utf-8"))
    assert schema == modernizr_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["title"] == "Migration Contract Schema"
    assert "MIT No Attribution" in (SHIPPED / "LICENSE-modernizr.txt").read_text(encoding="utf-8")


def test_modernizr_carries_templates_transformations_projections_and_sizes() -> None:
    model = _model("algoitny/single-table")
    table = build_modernizr(model)["tables"][0]
    spec = model.tables[0]
    assert table["estimated_item_size_bytes"] == spec.estimated_item_size_bytes
    assert [g["index_name"] for g in table["gsis"]] == [ix.name for ix in spec.indexes]
    assert {g["projection"] for g in table["gsis"]} == {ix.projection for ix in spec.indexes}
    assert len(table["satisfies"]) == len(spec.satisfies)
    assert all(s.split(":")[0] in spec.satisfies for s in table["satisfies"])
    problems = next(e for e in table["entities"] if e["source_table"] == "problems")
    assert problems["pk_template"] == "PROBLEM#{id:pad}"
    gsi1pk = next(a for a in problems["attributes"] if a["name"] == "GSI1PK")
    assert gsi1pk["transformation"] == {"type": "string-format", "format": "PROBLEM#{is_completed}"}
    assert gsi1pk["calculation"]["cases"][0]["when"] == "is_deleted = FALSE"  # sparse for this entity only
    created = next(a for a in problems["attributes"] if a["name"] == "created_at")
    assert created["transformation"] == {"type": "date-format", "source_format": "datetime"}
    usage = next(e for e in table["entities"] if e["source_table"] == "usage_logs")
    ttl = next(a for a in usage["attributes"] if a.get("calculation") == {"type": "date-math"})
    assert ttl["transformation"]["format"] == "epoch seconds + 90 days"


# ------------------------------------------------------------------ reading back


@pytest.mark.parametrize("design", DESIGNS)
def test_either_form_reads_back_the_model_migrate_needs(design: str) -> None:
    model = _model(design)
    from_seed = read_contract(plain(build_contract(model)))
    assert migration_view(from_seed, modernizr=False) == migration_view(model, modernizr=False)
    from_modernizr = read_contract(plain(build_modernizr(model)))
    assert migration_view(from_modernizr, modernizr=True) == migration_view(model, modernizr=True)


def _common(seed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What both forms can say of a contract in the migration contract format."""
    out = []
    for t in copy.deepcopy(seed):
        # A lookup's transaction and its write patterns come from the access plans (NOT_CARRIED).
        if "unique_lookup" in t:
            t["unique_lookup"].pop("patterns", None)
            t["unique_lookup"].pop("ddb_query_plan")
        for g in t.get("gsis", []):
            g.pop("satisfies", None)
            g["projection"].pop("reason", None)
            if "sparse" in g:
                g["sparse"]["reason"] = ""
        for spec in [t, *t.get("entities", [])]:
            if "ttl" in spec:
                spec["ttl"].pop("reason", None)
            for c in spec.get("sparse_keys", {}).values():
                c["reason"] = ""
            for a in spec["attributes"].values():
                a.pop("nullable", None)
        out.append(t)
    return out


@pytest.mark.parametrize("design", DESIGNS)
def test_convert_round_trips_what_both_forms_express(design: str, tmp_path: Path) -> None:
    seed_file, modernizr_file, back_file, again_file = (tmp_path / n for n in ("s.json", "m.json", "b.json", "a.json"))
    seed_file.write_text(contract_json(_model(design)), encoding="utf-8")
    assert convert(seed_file, modernizr_file).to_format == "modernizr"
    assert convert(modernizr_file, back_file).to_format == "seed"
    seed = json.loads(seed_file.read_text(encoding="utf-8"))
    back = json.loads(back_file.read_text(encoding="utf-8"))
    assert _common(back) == _common(seed)
    # Modernizr says less: its round trip through the other form is exact, byte for byte.
    convert(back_file, again_file, to="modernizr")
    assert again_file.read_text(encoding="utf-8") == modernizr_file.read_text(encoding="utf-8")
    # Converting to the form a contract is already in validates and rewrites it unchanged.
    convert(back_file, again_file, to="seed")
    assert again_file.read_text(encoding="utf-8") == back_file.read_text(encoding="utf-8")


# ------------------------------------------------------------------ refusals


def _chinook_modernizr() -> dict[str, Any]:
    contract: dict[str, Any] = plain(build_modernizr(_model("chinook/single-table")))
    return contract


def test_a_modernizr_contract_failing_its_schema_names_table_and_path() -> None:
    contract = _chinook_modernizr()
    del contract["tables"][0]["entities"][1]["pk_template"]
    with pytest.raises(
        InputError, match=r"table 'chinook': \$\.tables\[0\]\.entities\[1\]: 'pk_template' is a required"
    ):
        read_contract(contract)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {
                "calculation": {
                    "type": "aggregate",
                    "target_table": "t",
                    "join_condition": "a",
                    "operation": "SUM",
                    "select_column": "x",
                }
            },
            "calculation sql2dynamo cannot migrate",
        ),
        (
            {"join": {"type": "self-join", "join_alias": "b", "join_condition": "a", "select_column": "x"}},
            "join sql2dynamo cannot migrate",
        ),
        ({"source_column": ["title", "artist_id"]}, "reads several columns"),
        ({"transformation": {"type": "string-format", "format": "X#{title}"}}, "no key of the table"),
    ],
)
def test_what_the_schema_allows_but_migrate_cannot_is_refused(change: dict[str, Any], message: str) -> None:
    contract = _chinook_modernizr()
    album = next(e for e in contract["tables"][0]["entities"] if e["source_table"] == "album")
    title = next(a for a in album["attributes"] if a["name"] == "title")
    title.update(change)
    with pytest.raises(UnsupportedError, match=message):
        read_contract(contract)


def test_neither_form_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('{"table": "t"}', encoding="utf-8")
    with pytest.raises(InputError, match="is not a migration contract"):
        convert(tmp_path / "x.json", tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists()
    with pytest.raises(UsageError, match="unknown --to 'yaml'"):
        convert(tmp_path / "x.json", tmp_path / "out.json", to="yaml")


def test_commands_that_run_plans_say_what_a_contract_lacks(tmp_path: Path) -> None:
    (tmp_path / "migrationContract.json").write_text(contract_json(_model("chinook/single-table")), encoding="utf-8")
    with pytest.raises(InputError, match="carries no access plans"):
        load_model(tmp_path)
    path, model = load_model(tmp_path, contract=True)
    assert path.name == "migrationContract.json" and model.plans == ()
    with pytest.raises(InputError, match="is not a data model but a migration contract"):
        load_model(path)


def test_cli_convert_and_its_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(contract_json(_model("decision_data/multi-table")), encoding="utf-8")
    out = tmp_path / "modernizr.json"
    main(["contract", "convert", str(seed), str(out), "--to", "modernizr", "--json"])  # success returns
    assert json.loads(capsys.readouterr().out)["to"] == "modernizr"
    validate_modernizr(json.loads(out.read_text(encoding="utf-8")))
    broken = tmp_path / "broken.json"
    broken.write_text('{"tables": [{"table": "t"}]}', encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["contract", "convert", str(broken), str(tmp_path / "never.json")])
    assert done.value.code == 4
    assert "Modernizr contract format" in capsys.readouterr().err
    assert not (tmp_path / "never.json").exists()


def test_a_hand_written_array_contract_with_the_formats_fields_only() -> None:
    """No extras: each key is its attribute's column, conversions follow the DynamoDB types."""
    contract = [
        {
            "table": "Orders",
            "type": "Table",
            "source_table": "orders",
            "pk": "customer_id",
            "sk": "order_id",
            "gsis": [{"name": "ByStatus", "pk": "status"}],
            "attributes": {
                "customer_id": {"type": "N", "source_table": "orders", "source_column": "customer_id"},
                "order_id": {"type": "N", "source_table": "orders", "source_column": "order_id"},
                "status": {"type": "S", "source_table": "orders", "source_column": "status"},
                "customer_name": {
                    "type": "S",
                    "source_table": "customers",
                    "source_column": "name",
                    "denormalized": True,
                    "justification": "shown with every order",
                    "join": {"local_column": "customer_id", "source_column": "id"},
                },
            },
            "satisfies": ["a customer's orders"],
            "estimated_item_size_bytes": 120,
        }
    ]
    model = read_contract(contract)
    (table,) = model.tables
    (entity,) = table.entities
    assert (entity.pk.template, entity.sk and entity.sk.template) == ("{customer_id}", "{order_id}")
    assert table.indexes[0].pk.template == "{status}" and table.indexes[0].projection == "ALL"
    by_name = {a.name: a for a in entity.attributes}
    assert by_name["customer_id"].transform == "decimal" and by_name["status"].transform == "string"
    assert by_name["customer_name"].join is not None and by_name["customer_name"].join.source_column == "id"
    assert model.plans == () and model.billing == "on-demand"
