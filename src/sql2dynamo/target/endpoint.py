"""The ``--target`` option: which DynamoDB a command talks to, and a client for it.

Accepted forms::

    local               the managed DynamoDB Local on port 8000 (started on first use)
    local:8001          the managed DynamoDB Local on port 8001
    http://HOST:PORT    any DynamoDB-compatible endpoint (also https://)
    aws                 Amazon DynamoDB, credentials and region from the standard chain
    aws:eu-west-1       Amazon DynamoDB in that region

Credentials written into an endpoint URL (``http://KEY:SECRET@host:8000``) are
used for that endpoint and never shown: ``str()``, ``repr()`` and every message
use the redacted form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from sql2dynamo.common.errors import Sql2DynamoError, TargetError, TransientError, UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.urls import redact_endpoint, redact_text
from sql2dynamo.target import local
from sql2dynamo.target.client_errors import error_code, error_message
from sql2dynamo.target.clients import LOCAL_REGION, aws_client, local_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TargetKind = Literal["local", "endpoint", "aws"]

ACCEPTED_FORMS = "local, local:PORT, http://HOST:PORT, https://HOST[:PORT], aws or aws:REGION"

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_AWS_HOST_REGION = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$")
_THROTTLING = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}


@dataclass(frozen=True)
class TargetSpec:
    """A parsed ``--target``.  Only one of ``port`` / ``endpoint_url`` / ``region`` applies per kind.

    ``endpoint_url`` never holds credentials: those from the URL's userinfo are
    kept apart in fields that ``repr`` leaves out.
    """

    kind: TargetKind
    port: int | None = None
    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)

    @property
    def display(self) -> str:
        """How the target is shown to a user (no secrets)."""
        if self.kind == "local":
            return "local" if self.port == local.DEFAULT_PORT else f"local:{self.port}"
        if self.kind == "aws":
            return f"aws:{self.region}" if self.region else "aws"
        assert self.endpoint_url is not None
        if self.access_key is None:
            return self.endpoint_url
        parts = urlsplit(self.endpoint_url)
        return urlunsplit(parts._replace(netloc=f"***@{parts.netloc}"))

    def __str__(self) -> str:
        return self.display


def parse_target(text: str) -> TargetSpec:
    """Parse a ``--target`` value; raise ``UsageError`` listing the accepted forms otherwise."""
    raw = text.strip()
    lowered = raw.lower()
    if lowered == "local":
        return TargetSpec("local", port=local.DEFAULT_PORT)
    if lowered.startswith("local:"):
        return TargetSpec("local", port=_port(raw, raw[len("local:") :]))
    if lowered == "aws":
        return TargetSpec("aws")
    if lowered.startswith("aws:"):
        region = lowered[len("aws:") :]
        if not _REGION.match(region):
            raise _bad(raw, f"{region!r} is not an AWS region name (like eu-west-1)")
        return TargetSpec("aws", region=region)
    if lowered.startswith(("http://", "https://")):
        return _parse_url(raw)
    raise _bad(raw)


def dynamodb_client(spec: TargetSpec, reporter: Reporter, *, config: Config | None = None) -> DynamoDBClient:
    """A boto3 DynamoDB client for ``spec``; for ``local`` the instance is started if needed.

    ``config`` is merged over the defaults (the backfill writer turns botocore's
    retries off and widens the pool).  Raises ``UsageError`` when AWS has no
    region, ``PrerequisiteError`` when a managed instance cannot be started.
    """
    if spec.kind == "local":
        assert spec.port is not None
        instance = local.ensure_running(spec.port, reporter=reporter)
        return local_client(instance.endpoint_url, config=config)
    if spec.kind == "endpoint":
        assert spec.endpoint_url is not None
        host_region = _aws_host_region(spec.endpoint_url)
        if host_region is not None and spec.access_key is None:
            # An AWS-hosted endpoint (VPC endpoint, FIPS) needs real credentials.
            return aws_client(
                boto3.session.Session(region_name=host_region), endpoint_url=spec.endpoint_url, config=config
            )
        return local_client(
            spec.endpoint_url,
            access_key=spec.access_key or "local",
            secret_key=spec.secret_key or "local",
            region=host_region or LOCAL_REGION,
            config=config,
        )
    session = boto3.session.Session(region_name=spec.region)
    if not session.region_name:
        raise UsageError(
            "no AWS region for --target aws",
            hint="use --target aws:REGION (like aws:eu-west-1) or set AWS_DEFAULT_REGION",
        )
    return aws_client(session, config=config)


def describe_target(spec: TargetSpec, reporter: Reporter) -> dict[str, Any]:
    """Endpoint, kind, region and table names of a target (ListTables, all pages).

    Raises ``TargetError`` with a one-line message and the fix when the endpoint
    cannot be reached or refuses the request.
    """
    client = dynamodb_client(spec, reporter)
    names: list[str] = []
    try:
        for page in client.get_paginator("list_tables").paginate():
            names.extend(page.get("TableNames", []))
    except (BotoCoreError, ClientError) as exc:
        raise explain_error(exc, spec) from exc
    return {
        "target": spec.display,
        "kind": spec.kind,
        "endpoint": redact_endpoint(client.meta.endpoint_url),
        "region": client.meta.region_name,
        "tables": names,
    }


def explain_error(exc: BotoCoreError | ClientError, spec: TargetSpec) -> Sql2DynamoError:
    """Turn a botocore failure into a sql2dynamo error whose message names the fix.

    Throttling, timeouts and 5xx become ``TransientError`` so callers can retry by
    class; everything else is a ``TargetError`` (or ``UsageError`` for missing
    AWS credentials, which the user has to configure).
    """
    where = spec.display
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return TargetError(f"cannot reach the DynamoDB endpoint of target {where}", hint=_reach_hint(spec))
    if isinstance(exc, ReadTimeoutError):
        return TransientError(f"the DynamoDB endpoint of target {where} did not answer in time", hint="retry later")
    if isinstance(exc, NoCredentialsError):
        return UsageError(
            "no AWS credentials found for --target aws",
            hint="configure them (`aws configure`, AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)",
        )
    if isinstance(exc, ClientError):
        code = error_code(exc) or "Unknown"
        message = redact_text(error_message(exc) or str(exc), spec.secret_key)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        cls = TransientError if code in _THROTTLING or status >= 500 else TargetError
        return cls(
            f"DynamoDB target {where} refused the request: {code}: {message}",
            hint=_refusal_hint(code, spec),
            code=code,
        )
    return TargetError(
        f"DynamoDB target {where} failed: {redact_text(str(exc), spec.secret_key)}",
        hint=_reach_hint(spec),
    )


def _parse_url(raw: str) -> TargetSpec:
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise _bad(raw, "the port is not a number between 0 and 65535") from exc
    if not parts.hostname:
        raise _bad(raw, "the URL has no host")
    if parts.query or parts.fragment:
        raise _bad(raw, "an endpoint URL takes no query or fragment")
    host = parts.hostname
    # urlsplit lowercases and strips brackets; IPv6 literals need them back.
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = parts.path.rstrip("/")
    url = urlunsplit((parts.scheme.lower(), netloc, path, "", ""))
    access_key = parts.username or None
    secret_key = parts.password or None
    if (access_key is None) != (secret_key is None):
        raise _bad(raw, "credentials in the URL need both parts: http://KEY:SECRET@HOST:PORT")
    return TargetSpec("endpoint", endpoint_url=url, access_key=access_key, secret_key=secret_key)


def _port(raw: str, text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise _bad(raw, f"{text!r} is not a port number between 1 and 65535")
    return int(text)


def _bad(raw: str, why: str | None = None) -> UsageError:
    shown = redact_text(raw)
    message = f"invalid --target {shown!r}" + (f": {why}" if why else "")
    return UsageError(message, hint=f"use one of: {ACCEPTED_FORMS}")


def _aws_host_region(url: str) -> str | None:
    host = urlsplit(url).hostname or ""
    match = _AWS_HOST_REGION.search(host)
    return match.group(1) if match else None


def _reach_hint(spec: TargetSpec) -> str:
    if spec.kind == "local":
        return f"check `sql2dynamo local status --port {spec.port}` and its log in {local.state_dir()}"
    if spec.kind == "endpoint":
        return (
            f"check that a DynamoDB-compatible server listens on {spec.display} "
            "(for a managed one: `sql2dynamo local start` and --target local)"
        )
    return "check the network, the region and any proxy settings (HTTPS_PROXY)"


def _refusal_hint(code: str, spec: TargetSpec) -> str | None:
    if code in _THROTTLING:
        return "retry later or raise the table's capacity"
    if code in {"UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException"}:
        if spec.kind == "aws":
            return "check the AWS credentials and their IAM permissions for DynamoDB"
        return "the endpoint rejected the credentials; put them in the URL as http://KEY:SECRET@HOST:PORT"
    if code == "ResourceNotFoundException":
        return f"the table does not exist on {spec.display}; check the table name and the target"
    return None
