"""``deploy --emit cloudformation``: the template of golden models, without any API call."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from sql2dynamo.commands.deploy import emit_cloudformation
from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import DataModel, model_from_dict
from sql2dynamo.target.cloudformation import cloudformation_json, cloudformation_template, logical_ids
from sql2dynamo.target.tablespec import table_requests
from tests.helpers.data import copy_golden_model


def golden(tmp_path: Path, example: str, strategy: str) -> Path:
    return copy_golden_model(example, strategy, tmp_path / f"{example}-{strategy}")


def model_of(model_dir: Path) -> DataModel:
    return model_from_dict(json.loads((model_dir / "data_model.json").read_text()))


def _emit(tmp_path: Path, example: str, strategy: str) -> tuple[DataModel, dict[str, Any], Path]:
    model_dir = golden(tmp_path, example, strategy)
    out = tmp_path / "out" / "template.json"
    result = emit_cloudformation(model_dir, out, reporter=RecordingReporter())
    assert result.path == out and result.tables == tuple(t.name for t in model_of(model_dir).tables)
    return model_of(model_dir), json.loads(out.read_text()), out


def _check_table_resource(resource: dict[str, Any], model: DataModel, name: str) -> None:
    spec = model.table(name)
    props = resource["Properties"]
    assert resource["Type"] == "AWS::DynamoDB::Table"
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"
    assert props["TableName"] == name
    keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
    assert keys == {"HASH": spec.pk.attribute, **({"RANGE": spec.sk.attribute} if spec.sk else {})}
    types = {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
    assert types[spec.pk.attribute] == spec.pk.type
    gsis = {g["IndexName"]: g for g in props.get("GlobalSecondaryIndexes", [])}
    assert list(gsis) == [i.name for i in spec.indexes]
    for index in spec.indexes:
        assert {k["AttributeName"] for k in gsis[index.name]["KeySchema"]} == {
            k.attribute for k in (index.pk, index.sk) if k is not None
        }
        assert types[index.pk.attribute] == index.pk.type
        assert gsis[index.name]["Projection"]["ProjectionType"] == index.projection
    assert props["BillingMode"] == "PAY_PER_REQUEST" and "ProvisionedThroughput" not in props
    if spec.stream:
        # CloudFormation's stream has only a view type; StreamEnabled is the API's.
        assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    else:
        assert "StreamSpecification" not in props
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": spec.point_in_time_recovery}


def test_multi_table_template(tmp_path: Path) -> None:
    model, template, _ = _emit(tmp_path, "algoitny", "multi-table")
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert "algoitny" in template["Description"]
    resources = template["Resources"]
    assert len(resources) == len(model.tables) == 12
    by_table = {r["Properties"]["TableName"]: (logical, r) for logical, r in resources.items()}
    assert list(by_table) == [t.name for t in model.tables]
    for name, (logical, resource) in by_table.items():
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", logical)
        _check_table_resource(resource, model, name)
    assert by_table["users_email_unique"][0] == "UsersEmailUniqueTable"
    usage = by_table["usage_logs"][1]["Properties"]
    assert usage["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    history = by_table["search_history"][1]["Properties"]
    assert history["GlobalSecondaryIndexes"][0]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    outputs = template["Outputs"]
    assert outputs["UsersTableArn"]["Value"] == {"Fn::GetAtt": ["UsersTable", "Arn"]}
    assert not [name for name in outputs if name.endswith("StreamArn")]  # design turns no stream on by default


def test_a_stream_asked_for_is_in_the_template_with_its_arn(tmp_path: Path) -> None:
    model = model_of(golden(tmp_path, "algoitny", "multi-table"))
    streamed = dataclasses.replace(
        model, tables=tuple(dataclasses.replace(t, stream=t.name == "users") for t in model.tables)
    )
    template = cloudformation_template(streamed)
    for resource in template["Resources"].values():
        _check_table_resource(resource, streamed, resource["Properties"]["TableName"])
    outputs = template["Outputs"]
    assert outputs["UsersTableStreamArn"]["Value"] == {"Fn::GetAtt": ["UsersTable", "StreamArn"]}
    assert [name for name in outputs if name.endswith("StreamArn")] == ["UsersTableStreamArn"]


def test_single_table_template(tmp_path: Path) -> None:
    model, template, _ = _emit(tmp_path, "hustle_hub", "single-table")
    (logical,) = template["Resources"]
    assert logical == "HustleHubTable"
    resource = template["Resources"][logical]
    _check_table_resource(resource, model, "hustle_hub")
    # The model's INCLUDE index (the public listing timeline) keeps its attribute list, in the model's order.
    (included,) = [i for i in model.table("hustle_hub").indexes if i.projection == "INCLUDE"]
    gsi = next(g for g in resource["Properties"]["GlobalSecondaryIndexes"] if g["IndexName"] == included.name)
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(included.non_key_attributes)}
    assert {"title", "slug"} <= set(included.non_key_attributes)


def test_template_matches_the_create_table_requests(tmp_path: Path) -> None:
    model = model_of(golden(tmp_path, "chinook", "multi-table"))
    template = cloudformation_template(model)
    for request, resource in zip(table_requests(model), template["Resources"].values(), strict=True):
        props = resource["Properties"]
        for key in ("TableName", "AttributeDefinitions", "KeySchema", "BillingMode"):
            assert props[key] == request[key]
        assert props.get("GlobalSecondaryIndexes") == request.get("GlobalSecondaryIndexes")


def test_emit_is_deterministic_and_atomic(tmp_path: Path) -> None:
    _, _, out = _emit(tmp_path, "chinook", "single-table")
    first = out.read_bytes()
    emit_cloudformation(tmp_path / "chinook-single-table", out, reporter=RecordingReporter())
    assert out.read_bytes() == first and first.endswith(b"}\n")
    assert [p.name for p in out.parent.iterdir()] == ["template.json"]  # no temporary file left


def test_provisioned_template_carries_throughput(tmp_path: Path) -> None:
    model = dataclasses.replace(model_of(golden(tmp_path, "chinook", "single-table")), billing="provisioned")
    props = json.loads(cloudformation_json(model, tags={"team": "data"}))["Resources"]["ChinookTable"]["Properties"]
    assert props["BillingMode"] == "PROVISIONED"
    assert set(props["ProvisionedThroughput"]) == {"ReadCapacityUnits", "WriteCapacityUnits"}
    assert all(g["ProvisionedThroughput"]["ReadCapacityUnits"] >= 1 for g in props["GlobalSecondaryIndexes"])
    assert props["Tags"] == [{"Key": "team", "Value": "data"}]


def test_logical_ids_are_alphanumeric_unique_and_stable() -> None:
    ids = logical_ids(["user_x", "userX", "user-x", "9lives", "a.b"])
    assert ids == {
        "user_x": "UserXTable",
        "userX": "UserXTable2",
        "user-x": "UserXTable3",
        "9lives": "T9livesTable",
        "a.b": "ABTable",
    }


def test_emit_without_a_model_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "template.json"
    with pytest.raises(InputError) as caught:
        emit_cloudformation(tmp_path, out, reporter=RecordingReporter())
    assert "data_model.json does not exist; run sql2dynamo design first" in caught.value.one_line()
    assert not out.exists()
