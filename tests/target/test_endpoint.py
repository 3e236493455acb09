"""``--target`` parsing, redaction, and clients against a real DynamoDB Local."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sql2dynamo.common.errors import TargetError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.target.endpoint import (
    ACCEPTED_FORMS,
    TargetSpec,
    describe_target,
    dynamodb_client,
    explain_error,
    parse_target,
)
from sql2dynamo.target.prerequisites import HOME_ENV
from sql2dynamo.testing.dynamodb import free_port
from tests.helpers.dynamodb import create_table

SECRET = "wJalrXUtnFEMI-s3cr3t"


@pytest.mark.parametrize(
    ("text", "expected", "display"),
    [
        ("local", {"kind": "local", "port": 8000}, "local"),
        (" LOCAL ", {"kind": "local", "port": 8000}, "local"),
        ("local:8001", {"kind": "local", "port": 8001}, "local:8001"),
        ("local:8000", {"kind": "local", "port": 8000}, "local"),
        (
            "http://127.0.0.1:8000",
            {"kind": "endpoint", "endpoint_url": "http://127.0.0.1:8000"},
            "http://127.0.0.1:8000",
        ),
        (
            "HTTP://LocalHost:8000/",
            {"kind": "endpoint", "endpoint_url": "http://localhost:8000"},
            "http://localhost:8000",
        ),
        (
            "https://dynamo.example.com",
            {"kind": "endpoint", "endpoint_url": "https://dynamo.example.com"},
            "https://dynamo.example.com",
        ),
        ("http://[::1]:8000", {"kind": "endpoint", "endpoint_url": "http://[::1]:8000"}, "http://[::1]:8000"),
        (
            f"http://AKIDEXAMPLE:{SECRET}@10.0.0.5:8000",
            {"kind": "endpoint", "endpoint_url": "http://10.0.0.5:8000", "access_key": "AKIDEXAMPLE"},
            "http://***@10.0.0.5:8000",
        ),
        ("aws", {"kind": "aws", "region": None}, "aws"),
        ("aws:eu-west-1", {"kind": "aws", "region": "eu-west-1"}, "aws:eu-west-1"),
        ("aws:us-gov-west-1", {"kind": "aws", "region": "us-gov-west-1"}, "aws:us-gov-west-1"),
    ],
)
def test_parse_target_accepts(text: str, expected: dict[str, Any], display: str) -> None:
    spec = parse_target(text)
    for name, value in expected.items():
        assert getattr(spec, name) == value, name
    assert spec.display == display
    assert str(spec) == display


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", None),
        ("dynamodb", None),
        ("localhost:8000", None),
        ("local:", "not a port number"),
        ("local:0", "not a port number"),
        ("local:65536", "not a port number"),
        ("local:abc", "not a port number"),
        ("aws:mars", "not an AWS region"),
        ("aws:", "not an AWS region"),
        ("http://", "no host"),
        ("http://host:99999", "port"),
        ("http://host:8000?x=1", "no query"),
        ("ftp://host:21", None),
        (f"http://AKID:{SECRET}@host:notaport", "port"),
        (f"http://:{SECRET}@host:8000", "both parts"),
        (f"ftp://AKID:{SECRET}@host", None),
    ],
)
def test_parse_target_rejects(text: str, why: str | None) -> None:
    with pytest.raises(UsageError) as err:
        parse_target(text)
    line = err.value.one_line()
    assert ACCEPTED_FORMS in line
    if why:
        assert why in line
    assert SECRET not in line


def test_credentials_never_shown() -> None:
    spec = parse_target(f"https://AKIDEXAMPLE:{SECRET}@dynamo.example.com:8443")
    assert spec.secret_key == SECRET
    for shown in (str(spec), spec.display, repr(spec), f"{spec}"):
        assert SECRET not in shown
        assert "AKIDEXAMPLE" not in shown
    assert spec.endpoint_url == "https://dynamo.example.com:8443"


@pytest.mark.dynamodb
def test_client_for_an_endpoint_url(shared_local: tuple[local.LocalInstance, Path]) -> None:
    instance, _ = shared_local
    reporter = RecordingReporter()
    client = dynamodb_client(parse_target(f"http://127.0.0.1:{instance.port}"), reporter)
    create_table(instance.endpoint_url, "via_url")
    assert "via_url" in client.list_tables()["TableNames"]
    # Credentials in the URL are passed to the endpoint (sharedDb accepts any).
    with_keys = dynamodb_client(parse_target(f"http://k:{SECRET}@127.0.0.1:{instance.port}"), reporter)
    assert "via_url" in with_keys.list_tables()["TableNames"]
    assert reporter.events == []


@pytest.mark.dynamodb
def test_describe_target_pages_through_tables(
    shared_local: tuple[local.LocalInstance, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    instance, home = shared_local
    names = sorted(f"page_{n:03d}" for n in range(105))  # ListTables pages by 100
    for name in names:
        create_table(instance.endpoint_url, name)
    monkeypatch.setenv(HOME_ENV, str(home))
    info = describe_target(parse_target(f"local:{instance.port}"), RecordingReporter())
    assert info["kind"] == "local"
    assert info["target"] == f"local:{instance.port}"
    assert info["endpoint"] == instance.endpoint_url
    assert info["region"] == "us-east-1"
    assert set(names) <= set(info["tables"])
    assert len(info["tables"]) == len(set(info["tables"]))


@pytest.mark.dynamodb
def test_refused_request_becomes_target_error(shared_local: tuple[local.LocalInstance, Path]) -> None:
    instance, _ = shared_local
    spec = parse_target(instance.endpoint_url)
    client = dynamodb_client(spec, RecordingReporter())
    with pytest.raises(ClientError) as raised:
        client.describe_table(TableName="no_such_table")
    error = explain_error(raised.value, spec)
    assert type(error) is TargetError
    assert "ResourceNotFoundException" in error.message
    assert error.hint and "table does not exist" in error.hint


@pytest.mark.dynamodb
def test_local_target_starts_an_instance_on_first_use(s2d_home: Path) -> None:
    port = free_port()
    reporter = RecordingReporter()
    try:
        info = describe_target(parse_target(f"local:{port}"), reporter)
        assert info["tables"] == []
        st = local.status(port)
        # In memory: a disk sync per write made migrate crawl (bench/local_target.py); `local start` is for disks.
        assert st.running and st.in_memory and st.data_dir is None
        assert any(desc.startswith("Starting DynamoDB Local") for desc, *_ in reporter.messages("task"))
    finally:
        local.stop(port)


def test_dead_endpoint_is_a_clear_target_error() -> None:
    port = free_port()
    spec = parse_target(f"http://127.0.0.1:{port}")
    began = time.monotonic()
    with pytest.raises(TargetError) as err:
        describe_target(spec, RecordingReporter())
    assert time.monotonic() - began < 15
    line = err.value.one_line()
    assert f"cannot reach the DynamoDB endpoint of target http://127.0.0.1:{port}" in line
    assert "sql2dynamo local start" in line
    assert "\n" not in line


def test_aws_without_region_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    with pytest.raises(UsageError) as err:
        dynamodb_client(parse_target("aws"), RecordingReporter())
    assert "aws:REGION" in err.value.one_line() and "AWS_DEFAULT_REGION" in err.value.one_line()


def test_aws_region_client_uses_the_regional_endpoint() -> None:
    client = dynamodb_client(parse_target("aws:eu-west-1"), RecordingReporter())
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.endpoint_url == "https://dynamodb.eu-west-1.amazonaws.com"


def test_target_spec_is_frozen() -> None:
    spec = TargetSpec("local", port=8000)
    with pytest.raises(AttributeError):
        spec.port = 1  # type: ignore[misc]
