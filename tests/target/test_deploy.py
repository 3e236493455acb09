"""``deploy`` and ``destroy`` against a real DynamoDB Local, and the CreateTable requests they send.

The models are the design engine's golden outputs (copied, never edited).
One in-memory instance serves the module; every test starts and ends with no
tables on it.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sql2dynamo.commands.deploy import deploy, destroy
from sql2dynamo.common.errors import ConfirmationRequired, InputError, TargetError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import (
    AccessPlan,
    CostEstimate,
    DataModel,
    IndexSpec,
    KeyPart,
    PatternCapacity,
    PlanStep,
    TableCost,
    TableSpec,
    model_from_dict,
)
from sql2dynamo.target import local
from sql2dynamo.target.deploy.run import is_local_target
from sql2dynamo.target.endpoint import parse_target
from sql2dynamo.target.model_file import load_model
from sql2dynamo.target.prerequisites import HOME_ENV
from sql2dynamo.target.tablespec import compare_table, table_requests
from sql2dynamo.testing.dynamodb import boto_client, free_port
from tests.helpers.data import copy_golden_model
from tests.helpers.dynamodb import table_names

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PITR_UNSUPPORTED = "not supported by the target"


def golden(tmp_path: Path, example: str, strategy: str) -> Path:
    """A private copy of a golden data_model.json; returns its directory."""
    return copy_golden_model(example, strategy, tmp_path / f"{example}-{strategy}")


def model_of(model_dir: Path) -> DataModel:
    return model_from_dict(json.loads((model_dir / "data_model.json").read_text()))


def yes(gate: str, question: str) -> bool:
    return True


def _drop_all(client: DynamoDBClient) -> None:
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)


@pytest.fixture
def endpoint(shared_local: tuple[local.LocalInstance, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The module's DynamoDB Local, empty, as an ``http://127.0.0.1:PORT`` target."""
    instance, home = shared_local
    # `local:PORT` targets find the instance through the state files of this home.
    monkeypatch.setenv(HOME_ENV, str(home))
    client = boto_client(instance.endpoint_url)
    _drop_all(client)
    yield instance.endpoint_url
    _drop_all(client)


# ------------------------------------------------------------------ deploy


def _key(schema: list[Any], kind: str) -> str | None:
    return next((k["AttributeName"] for k in schema if k["KeyType"] == kind), None)


def _assert_table_as_modelled(client: DynamoDBClient, spec: TableSpec) -> dict[str, Any]:
    """DescribeTable matches the TableSpec itself (not the request deploy built from it)."""
    described: dict[str, Any] = dict(client.describe_table(TableName=spec.name)["Table"])
    types = {d["AttributeName"]: d["AttributeType"] for d in described["AttributeDefinitions"]}
    assert described["TableStatus"] == "ACTIVE"
    assert _key(described["KeySchema"], "HASH") == spec.pk.attribute
    assert _key(described["KeySchema"], "RANGE") == (spec.sk.attribute if spec.sk else None)
    expected_types = {spec.pk.attribute: spec.pk.type}
    if spec.sk:
        expected_types[spec.sk.attribute] = spec.sk.type
    gsis = {g["IndexName"]: g for g in described.get("GlobalSecondaryIndexes", [])}
    assert set(gsis) == {i.name for i in spec.indexes}
    table_keys = {spec.pk.attribute} | ({spec.sk.attribute} if spec.sk else set())
    for index in spec.indexes:
        gsi = gsis[index.name]
        assert _key(gsi["KeySchema"], "HASH") == index.pk.attribute
        assert _key(gsi["KeySchema"], "RANGE") == (index.sk.attribute if index.sk else None)
        expected_types[index.pk.attribute] = index.pk.type
        if index.sk:
            expected_types[index.sk.attribute] = index.sk.type
        assert gsi["Projection"]["ProjectionType"] == index.projection
        if index.projection == "INCLUDE":
            keys = table_keys | {index.pk.attribute} | ({index.sk.attribute} if index.sk else set())
            assert set(gsi["Projection"]["NonKeyAttributes"]) == set(index.non_key_attributes) - keys
    # Only key attributes are defined, each once, with the model's type.
    assert types == expected_types
    assert len(described["AttributeDefinitions"]) == len(types)
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    stream = described.get("StreamSpecification", {})
    assert bool(stream.get("StreamEnabled")) == spec.stream
    if spec.stream:
        assert stream["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    ttl = client.describe_time_to_live(TableName=spec.name)["TimeToLiveDescription"]
    if spec.ttl_attribute:
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": spec.ttl_attribute}
    else:
        assert ttl["TimeToLiveStatus"] == "DISABLED"
    return described


@pytest.mark.dynamodb
@pytest.mark.parametrize(
    ("example", "strategy"),
    [("algoitny", "multi-table"), ("hustle_hub", "multi-table"), ("hustle_hub", "single-table")],
)
def test_deploy_creates_every_table_as_modelled(endpoint: str, tmp_path: Path, example: str, strategy: str) -> None:
    model_dir = golden(tmp_path, example, strategy)
    model = model_of(model_dir)
    reporter = RecordingReporter()
    result = deploy(model_dir, endpoint, reporter=reporter, confirm=yes)

    client = boto_client(endpoint)
    assert sorted(table_names(endpoint)) == sorted(t.name for t in model.tables)
    for spec in model.tables:
        _assert_table_as_modelled(client, spec)
    assert [t.table for t in result.tables] == [t.name for t in model.tables]
    assert {t.status for t in result.tables} == {"created"}
    assert all(t.seconds >= 0 for t in result.tables)
    for t in result.tables:
        spec = model.table(t.table)
        assert t.ttl == ("enabled" if spec.ttl_attribute else "not in the model")
        # DynamoDB Local 3.x has no UpdateContinuousBackups: reported, not fatal.
        assert t.point_in_time_recovery == PITR_UNSUPPORTED
    assert len(result.unsupported) == 1 and "UnknownOperationException" in result.unsupported[0]
    assert any("point-in-time recovery" in w for w in reporter.messages("warning"))
    summary = result.summary()
    assert summary["counts"] == {"created": len(model.tables)} and summary["dry_run"] is False
    json.dumps(summary)


@pytest.mark.dynamodb
def test_deploying_twice_leaves_every_table_unchanged(endpoint: str, tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "algoitny", "single-table")
    deploy(model_dir, endpoint, reporter=RecordingReporter())
    again = deploy(model_dir, endpoint, reporter=RecordingReporter())
    assert [(t.table, t.status, t.ttl) for t in again.tables] == [("algoitny", "unchanged", "already enabled")]
    assert again.counts() == {"unchanged": 1}


@pytest.mark.dynamodb
def test_a_local_port_target_uses_the_managed_instance(
    endpoint: str, shared_local: tuple[local.LocalInstance, Path], tmp_path: Path
) -> None:
    model_dir = golden(tmp_path, "decision_data", "multi-table")
    result = deploy(model_dir, f"local:{shared_local[0].port}", reporter=RecordingReporter())
    assert result.target == f"local:{shared_local[0].port}"
    assert sorted(table_names(endpoint)) == ["audio_files", "users", "users_email_unique"]


def _request(model: DataModel, name: str) -> dict[str, Any]:
    return next(r for r in table_requests(model) if r["TableName"] == name)


def _assert_refused_and_untouched(
    endpoint: str, model_dir: Path, table: str, expected: list[str], item: dict[str, Any]
) -> None:
    client = boto_client(endpoint)
    before = client.describe_table(TableName=table)["Table"]
    client.put_item(TableName=table, Item=item)
    with pytest.raises(TargetError) as caught:
        deploy(model_dir, endpoint, reporter=RecordingReporter())
    message = caught.value.one_line()
    for line in expected:
        assert f"table {table}: {line}" in message, message
    assert caught.value.exit_code == 7
    assert "nothing was created or changed" in message
    assert caught.value.context.extra["differences"][table]
    # Nothing else was created, and the table and its item are as they were.
    assert table_names(endpoint) == [table]
    after = client.describe_table(TableName=table)["Table"]
    for key in ("KeySchema", "AttributeDefinitions", "CreationDateTime"):
        assert after[key] == before[key]
    assert after.get("GlobalSecondaryIndexes") == before.get("GlobalSecondaryIndexes")
    scanned = client.scan(TableName=table)["Items"]
    assert scanned == [item]


@pytest.mark.dynamodb
def test_an_existing_table_with_another_key_is_refused_and_left_alone(endpoint: str, tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "algoitny", "multi-table")
    client = boto_client(endpoint)
    # users: the model's partition key is id (N); this one is id (S) with a sort key.
    client.create_table(
        TableName="users",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "v", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "v", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    _assert_refused_and_untouched(
        endpoint,
        model_dir,
        "users",
        ["partition key id (N) != id (S)", "sort key none != v (N)", "GSI users_by_subscription_plan_id_created_at"],
        {"id": {"S": "kept"}, "v": {"N": "1"}},
    )


@pytest.mark.dynamodb
def test_an_existing_table_without_a_gsi_is_refused_and_left_alone(endpoint: str, tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "algoitny", "multi-table")
    request = _request(model_of(model_dir), "users")
    without_gsi = {k: v for k, v in request.items() if k != "GlobalSecondaryIndexes"}
    without_gsi["AttributeDefinitions"] = [{"AttributeName": "id", "AttributeType": "N"}]
    boto_client(endpoint).create_table(**without_gsi)
    _assert_refused_and_untouched(
        endpoint,
        model_dir,
        "users",
        ["GSI users_by_subscription_plan_id_created_at: missing on the target"],
        {"id": {"N": "7"}, "email": {"S": "a@example.com"}},
    )


@pytest.mark.dynamodb
def test_a_projection_difference_is_shown_attribute_by_attribute(endpoint: str, tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "algoitny", "multi-table")
    request = _request(model_of(model_dir), "script_generation_jobs")
    (gsi,) = request["GlobalSecondaryIndexes"]
    assert gsi["Projection"] == {"ProjectionType": "ALL"}
    gsi["Projection"] = {"ProjectionType": "KEYS_ONLY"}
    boto_client(endpoint).create_table(**request)
    _assert_refused_and_untouched(
        endpoint,
        model_dir,
        "script_generation_jobs",
        [f"GSI {gsi['IndexName']}: projection ALL != KEYS_ONLY"],
        {"id": {"N": "1"}},
    )


@pytest.mark.dynamodb
def test_dry_run_creates_nothing(endpoint: str, tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "algoitny", "multi-table")
    model = model_of(model_dir)
    boto_client(endpoint).create_table(**_request(model, "users_email_unique"))
    result = deploy(model_dir, endpoint, reporter=RecordingReporter(), dry_run=True)
    assert table_names(endpoint) == ["users_email_unique"]
    statuses = {t.table: t.status for t in result.tables}
    assert statuses.pop("users_email_unique") == "unchanged"
    assert set(statuses.values()) == {"would create"}
    assert next(t for t in result.tables if t.table == "usage_logs").ttl == "would enable"
    assert result.dry_run and result.summary()["dry_run"] is True


@pytest.mark.dynamodb
def test_a_deploy_interrupted_after_create_table_is_finished_by_the_next(endpoint: str, tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "algoitny", "single-table")
    # As if the last deploy stopped right after CreateTable: no TTL yet.
    boto_client(endpoint).create_table(**table_requests(model_of(model_dir))[0])
    result = deploy(model_dir, endpoint, reporter=RecordingReporter())
    (table,) = result.tables
    assert (table.status, table.ttl) == ("updated", "enabled")
    ttl = boto_client(endpoint).describe_time_to_live(TableName="algoitny")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


@pytest.mark.dynamodb
def test_ttl_on_another_attribute_is_a_difference(endpoint: str, tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "algoitny", "single-table")
    client = boto_client(endpoint)
    client.create_table(**table_requests(model_of(model_dir))[0])
    client.update_time_to_live(
        TableName="algoitny", TimeToLiveSpecification={"Enabled": True, "AttributeName": "gone_at"}
    )
    with pytest.raises(TargetError, match=r"table algoitny: TTL expires_at != gone_at"):
        deploy(model_dir, endpoint, reporter=RecordingReporter())


@pytest.mark.dynamodb
def test_an_unreachable_target_is_a_target_error(tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "decision_data", "single-table")
    with pytest.raises(TargetError, match="cannot reach the DynamoDB endpoint"):
        deploy(model_dir, f"http://127.0.0.1:{free_port()}", reporter=RecordingReporter())


def _non_loopback_address() -> str | None:
    """This machine's address on a real interface (no packet is sent), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only picks the source address
            address = str(sock.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.dynamodb
def test_a_remote_target_asks_before_creating(endpoint: str, tmp_path: Path) -> None:
    # DynamoDB Local listens on every interface: through a non-loopback address it counts as remote.
    # Without one, 0.0.0.0 reaches it too (Linux routes it to this host) and is not a local name either.
    address = _non_loopback_address() or "0.0.0.0"
    remote = endpoint.replace("127.0.0.1", address)
    model_dir = golden(tmp_path, "decision_data", "single-table")
    asked: list[str] = []

    def refuse(gate: str, question: str) -> bool:
        asked.append(f"{gate}: {question}")
        return False

    with pytest.raises(ConfirmationRequired, match="nothing was created or changed"):
        deploy(model_dir, remote, reporter=RecordingReporter(), confirm=refuse)
    assert asked == [f"deploy: On {remote}: create 1 table(s) (decision_data)?"]
    assert table_names(endpoint) == []
    result = deploy(model_dir, remote, reporter=RecordingReporter(), confirm=yes)
    assert result.counts() == {"created": 1}


# ------------------------------------------------------------------ destroy


@pytest.mark.dynamodb
def test_destroy_asks_and_a_refusal_deletes_nothing(endpoint: str, tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "decision_data", "multi-table")
    deploy(model_dir, endpoint, reporter=RecordingReporter())
    asked: list[tuple[str, str]] = []

    def refuse(gate: str, question: str) -> bool:
        asked.append((gate, question))
        return False

    with pytest.raises(ConfirmationRequired, match="nothing was deleted"):
        destroy(model_dir, endpoint, reporter=RecordingReporter(), confirm=refuse)
    assert len(asked) == 1 and asked[0][0] == "destroy"
    assert all(name in asked[0][1] for name in ("audio_files", "users", "users_email_unique"))
    assert sorted(table_names(endpoint)) == ["audio_files", "users", "users_email_unique"]


@pytest.mark.dynamodb
def test_destroy_deletes_with_yes_and_skips_missing_tables(endpoint: str, tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "decision_data", "multi-table")
    deploy(model_dir, endpoint, reporter=RecordingReporter())
    client = boto_client(endpoint)
    client.delete_table(TableName="users_email_unique")
    client.create_table(
        TableName="not_in_the_model",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    result = destroy(model_dir, endpoint, reporter=RecordingReporter(), confirm=yes)
    assert {t.table: t.status for t in result.tables} == {
        "audio_files": "deleted",
        "users": "deleted",
        "users_email_unique": "missing",
    }
    assert table_names(endpoint) == ["not_in_the_model"]
    summary = result.summary()
    assert summary["deleted"] == ["audio_files", "users"] and summary["missing"] == ["users_email_unique"]


@pytest.mark.dynamodb
def test_destroy_with_nothing_there_asks_nothing(endpoint: str, tmp_path: Path) -> None:
    def never(gate: str, question: str) -> bool:
        raise AssertionError("asked with nothing to delete")

    result = destroy(golden(tmp_path, "chinook", "single-table"), endpoint, reporter=RecordingReporter(), confirm=never)
    assert [t.status for t in result.tables] == ["missing"]


@pytest.mark.parametrize("target", ["aws", "aws:eu-west-1", "http://10.0.0.5:8000", "https://dynamodb.example.com"])
def test_destroy_refuses_a_remote_target_without_calling_it(
    target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_client(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("destroy contacted a remote target")

    def never(gate: str, question: str) -> bool:
        raise AssertionError("destroy asked about a remote target")

    # The module itself: ``sql2dynamo.commands.deploy`` as an attribute is the function the package re-exports.
    monkeypatch.setattr(importlib.import_module("sql2dynamo.commands.deploy"), "dynamodb_client", no_client)
    with pytest.raises(UsageError, match="only deletes tables on a local target") as caught:
        destroy(golden(tmp_path, "chinook", "single-table"), target, reporter=RecordingReporter(), confirm=never)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("target", "is_local"),
    [
        ("local", True),
        ("local:8001", True),
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("aws", False),
        ("aws:eu-west-1", False),
        ("http://10.0.0.5:8000", False),
        ("https://dynamodb.eu-west-1.amazonaws.com", False),
    ],
)
def test_is_local_target(target: str, is_local: bool) -> None:
    assert is_local_target(parse_target(target)) is is_local


# ------------------------------------------------------------------ reading the model


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "does not exist"),
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "is not a data model"),
        ('{"application": "x"}', "is not a data model written by sql2dynamo design"),
        ('{"format_version": 99}', "has format version 99"),
    ],
)
def test_a_missing_or_bad_model_is_an_input_error(tmp_path: Path, content: str | None, why: str) -> None:
    if content is not None:
        (tmp_path / "data_model.json").write_text(content)
    with pytest.raises(InputError) as caught:
        load_model(tmp_path)
    text = caught.value.one_line()
    assert str(tmp_path / "data_model.json") in text and why in text
    assert caught.value.exit_code == 4
    if why != "has format version 99":
        assert "run sql2dynamo design first" in text


def test_a_model_with_a_null_key_is_an_input_error(tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "chinook", "single-table")
    data = json.loads((model_dir / "data_model.json").read_text())
    data["tables"][0]["pk"] = None
    (model_dir / "data_model.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match="table chinook: the partition key is missing or malformed"):
        load_model(model_dir)


def test_the_model_file_itself_may_be_given(tmp_path: Path) -> None:
    model_dir = golden(tmp_path, "chinook", "single-table")
    path, model = load_model(model_dir / "data_model.json")
    assert path == model_dir / "data_model.json" and model.tables[0].name == "chinook"


# ------------------------------------------------------------------ requests (pure)


def _tiny_model(billing: str = "provisioned", *, cost: bool = True) -> DataModel:
    def key(name: str, type_: str = "S") -> KeyPart:
        return KeyPart(name, type_, "{" + name + "}", (name,))  # type: ignore[arg-type]

    table = TableSpec(
        name="orders",
        role="entity",
        pk=key("customer_id", "N"),
        sk=key("order_id"),
        indexes=(
            IndexSpec("orders_by_status", key("status"), key("created_at"), "KEYS_ONLY", (), ("P2",)),
            IndexSpec("orders_by_day", key("day"), key("customer_id", "N"), "INCLUDE", ("total", "order_id"), ("P3",)),
        ),
        entities=(),
        satisfies=("P1", "P2", "P3"),
        estimated_item_size_bytes=300,
        ttl_attribute="expires_at",
        stream=True,
    )

    def plan(pid: str, kind: str, *steps: PlanStep) -> AccessPlan:
        return AccessPlan(pid, pid, kind, True, steps, 1.0, 0.0, 0.0)  # type: ignore[arg-type]

    plans = (
        plan("P1", "read", PlanStep("GetItem", "orders")),
        plan("P2", "read", PlanStep("Query", "orders", index="orders_by_status")),
        # Reads the table and an index: counted in full on both.
        plan("P3", "read", PlanStep("Query", "orders", index="orders_by_day"), PlanStep("GetItem", "orders")),
        plan("P4", "write", PlanStep("PutItem", "orders")),
    )

    def capacity(pid: str, rcu: float, wcu: float) -> PatternCapacity:
        return PatternCapacity(pid, 1, 1, rcu, wcu, rcu, wcu, rcu, wcu)

    estimate = CostEstimate(
        pricing="test",
        billing=billing,  # type: ignore[arg-type]
        tables=(TableCost("orders", 0.1, 1, 1, 12.4, 7.000000001, 1, 1, 0.1, ()),),
        patterns=(capacity("P1", 10.0, 0), capacity("P2", 0.2, 0), capacity("P3", 2.2, 0), capacity("P4", 0, 7)),
        total_on_demand_monthly=1,
        total_provisioned_monthly=1,
    )
    return DataModel(
        application="shop",
        strategy="multi-table",
        billing=billing,  # type: ignore[arg-type]
        source_dialect="sqlite",
        tables=(table,),
        plans=plans,
        decisions=(),
        warnings=(),
        cost=estimate if cost else None,
        partitions=(),
    )


def test_provisioned_request_shape() -> None:
    # Capacity is the peak at 70 % target utilization, as the cost estimate priced it:
    # reads 0.2 -> 1, 2.2 -> ceil(3.14) = 4, 10 + 2.2 -> ceil(17.4) = 18; writes 7 -> 10.
    (request,) = table_requests(_tiny_model(), tags={"team": "b", "app": "a"})
    assert request == {
        "TableName": "orders",
        "AttributeDefinitions": [
            {"AttributeName": "customer_id", "AttributeType": "N"},
            {"AttributeName": "order_id", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
            {"AttributeName": "created_at", "AttributeType": "S"},
            {"AttributeName": "day", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "customer_id", "KeyType": "HASH"},
            {"AttributeName": "order_id", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "orders_by_status",
                "KeySchema": [
                    {"AttributeName": "status", "KeyType": "HASH"},
                    {"AttributeName": "created_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
                # reads: P2's 0.2 -> 1 (at least 1); writes: the table's whole peak
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 10},
            },
            {
                "IndexName": "orders_by_day",
                "KeySchema": [
                    {"AttributeName": "day", "KeyType": "HASH"},
                    {"AttributeName": "customer_id", "KeyType": "RANGE"},
                ],
                # order_id is a table key: always projected, so not listed
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]},
                "ProvisionedThroughput": {"ReadCapacityUnits": 4, "WriteCapacityUnits": 10},
            },
        ],
        "BillingMode": "PROVISIONED",
        # reads: P1 10 + P3 2.2 = 12.2 -> 13; writes: 7.000000001 is 7 after rounding float noise
        "ProvisionedThroughput": {"ReadCapacityUnits": 18, "WriteCapacityUnits": 10},
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "Tags": [{"Key": "app", "Value": "a"}, {"Key": "team", "Value": "b"}],
    }


def test_on_demand_request_has_no_throughput() -> None:
    (request,) = table_requests(_tiny_model("on-demand"))
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in request and "Tags" not in request
    assert all("ProvisionedThroughput" not in g for g in request["GlobalSecondaryIndexes"])


def test_provisioned_without_a_cost_estimate_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no cost estimate for table orders"):
        table_requests(_tiny_model(cost=False))


def test_a_key_attribute_with_two_types_is_an_input_error() -> None:
    model = _tiny_model("on-demand")
    (table,) = model.tables
    clash = dataclasses.replace(table.indexes[0], pk=KeyPart("customer_id", "S", "{customer_id}", ("customer_id",)))
    bad = dataclasses.replace(model, tables=(dataclasses.replace(table, indexes=(clash,)),))
    with pytest.raises(InputError, match="customer_id is N in one key and S in the partition key of GSI"):
        table_requests(bad)


def test_an_invalid_table_name_is_an_input_error() -> None:
    model = _tiny_model("on-demand")
    bad = dataclasses.replace(model, tables=(dataclasses.replace(model.tables[0], name="o"),))
    with pytest.raises(InputError, match="table name 'o' is not valid for DynamoDB"):
        table_requests(bad)


def test_compare_table_lists_billing_and_extra_index_differences() -> None:
    (request,) = table_requests(_tiny_model("on-demand"))
    described = {
        **request,
        "BillingModeSummary": {"BillingMode": "PROVISIONED"},
        "GlobalSecondaryIndexes": [
            *request["GlobalSecondaryIndexes"],
            {"IndexName": "extra", "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}]},
        ],
    }
    # The same INCLUDE list in another order, with a key attribute added, is no difference.
    described["GlobalSecondaryIndexes"][1] = {
        **described["GlobalSecondaryIndexes"][1],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["day", "total"]},
    }
    comparison = compare_table(request, described)
    assert comparison.differences == (
        "billing PAY_PER_REQUEST != PROVISIONED",
        "GSI extra: on the target but not in the model",
    )
