"""``deploy --import-from``: ImportTable requests checked against botocore's model of the API, and the target."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import ParamValidator

from sql2dynamo.cli.main import main
from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.import_table import plan_import
from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.target.import_table import import_requests, validate_request
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import boto_client
from tests.report.runs import EXAMPLES, STRATEGIES, model_dir

IMPORT = botocore.session.get_session().get_service_model("dynamodb").operation_model("ImportTable")


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_request_is_valid_for_botocore(example: str, strategy: str, tmp_path: Path) -> None:
    _, model = load_model(model_dir(example, strategy, tmp_path))
    requests = import_requests(model, "s3://my-bucket/exports/run1", fmt="ion", compression="zstd")
    assert [r.table for r in requests] == [t.name for t in model.tables]
    for r in requests:
        report = ParamValidator().validate(r.request, IMPORT.input_shape)
        assert not report.has_errors(), report.generate_report()
        params = r.request["TableCreationParameters"]
        spec = model.table(r.table)
        assert r.request["S3BucketSource"] == {"S3Bucket": "my-bucket", "S3KeyPrefix": f"exports/run1/{r.table}/"}
        assert (r.request["InputFormat"], r.request["InputCompressionType"]) == ("ION", "ZSTD")
        assert params["KeySchema"][0] == {"AttributeName": spec.pk.attribute, "KeyType": "HASH"}
        assert [g["IndexName"] for g in params.get("GlobalSecondaryIndexes", [])] == [i.name for i in spec.indexes]
        assert params["BillingMode"] in ("PAY_PER_REQUEST", "PROVISIONED")
        if spec.ttl_attribute:
            assert any("TTL" in note for note in r.after_import)


def test_a_request_botocore_refuses_is_named(tmp_path: Path) -> None:
    _, model = load_model(model_dir("chinook", "multi-table", tmp_path))
    request = import_requests(model, "s3://b")[0].request
    assert request["S3BucketSource"]["S3KeyPrefix"] == f"{request['TableCreationParameters']['TableName']}/"
    request["TableCreationParameters"]["StreamSpecification"] = {"StreamEnabled": True}
    with pytest.raises(InputError, match="StreamSpecification"):
        validate_request(request)
    with pytest.raises(UsageError, match="not an S3 URL"):
        import_requests(model, "/local/dir")


@pytest.fixture(scope="module")
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:
    return shared_local[0].endpoint_url


def test_dry_run_checks_the_target_and_refuses_existing_tables(endpoint: str, tmp_path: Path) -> None:
    model = model_dir("algoitny", "single-table", tmp_path / "m")
    client = boto_client(endpoint)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    shown = plan_import(model, "s3://b/p", reporter=RecordingReporter(), target=endpoint, dry_run=True)
    assert shown.dry_run and len(shown.requests) == len(load_model(model)[1].tables)
    assert client.list_tables()["TableNames"] == []  # a dry run creates nothing
    deploy(model, endpoint, reporter=RecordingReporter())
    with pytest.raises(UsageError) as refused:
        plan_import(model, "s3://b/p", reporter=RecordingReporter(), target=endpoint, dry_run=True)
    assert "only creates new tables" in refused.value.one_line()
    assert "migrate" in refused.value.one_line()


def test_cli_emits_the_requests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = model_dir("algoitny", "multi-table", tmp_path / "m")
    out = tmp_path / "imports.json"
    args = ["deploy", "--model", str(model), "--import-from", "s3://b/p", "--import-compress", "none"]
    main([*args, "--emit", "import-table", str(out)])
    emitted = json.loads(out.read_text())
    assert {e["table"] for e in emitted} == {t.name for t in load_model(model)[1].tables}
    assert all(e["request"]["InputCompressionType"] == "NONE" for e in emitted)
    capsys.readouterr()
    with pytest.raises(SystemExit) as no_target:
        main(args)
    assert no_target.value.code == 2
    assert "--dry-run" in capsys.readouterr().err
