"""ImportTable requests: a new table of the model, created and filled by DynamoDB from files in S3.

:func:`import_requests` turns each table's ``CreateTable`` request
(:func:`~sql2dynamo.target.tablespec.table_requests`: keys, GSIs, billing)
into an ``ImportTable`` request reading ``s3://bucket/prefix/<table>/``, the
layout ``sql2dynamo export`` writes (upload its directory with
``aws s3 sync DIR s3://bucket/prefix``).  ImportTable creates only new
tables: what its ``TableCreationParameters`` cannot say (streams, tags;
TTL and point-in-time recovery are never part of a create) is listed in the
request's notes, for ``deploy --target`` to apply once the import is done.
Every request is checked against botocore's own model of the API
(:func:`validate_request`), the one the real call would be checked with.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import botocore.session
from botocore.validate import ParamValidator

from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.design.model import DataModel
from sql2dynamo.target.tablespec import table_requests

__all__ = [
    "INPUT_COMPRESSION",
    "INPUT_FORMATS",
    "ImportRequest",
    "import_requests",
    "parse_s3_url",
    "validate_request",
]

INPUT_FORMATS = {"dynamodb-json": "DYNAMODB_JSON", "ion": "ION"}
INPUT_COMPRESSION = {"none": "NONE", "gzip": "GZIP", "zstd": "ZSTD"}


@dataclass(frozen=True)
class ImportRequest:
    """One table's ``ImportTable`` parameters, and what the import leaves for later."""

    table: str
    request: dict[str, Any]
    after_import: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the request as boto3 takes it, and the notes."""
        return {"table": self.table, "request": self.request, "after_import": list(self.after_import)}


def parse_s3_url(text: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` -> (bucket, prefix without surrounding slashes); ``UsageError`` otherwise."""
    parts = urlsplit(text)
    if parts.scheme != "s3" or not parts.netloc:
        raise UsageError(f"--import-from {text!r} is not an S3 URL", hint="use s3://bucket/prefix")
    return parts.netloc, parts.path.strip("/")


def import_requests(
    model: DataModel, s3_url: str, *, fmt: str = "dynamodb-json", compression: str = "gzip", owner: str | None = None
) -> list[ImportRequest]:
    """The ``ImportTable`` request of every table of ``model``, reading ``s3_url/<table>/``.

    Raises ``UsageError`` for a bad URL, format or compression, ``InputError``
    for a table ImportTable cannot create (local secondary indexes).
    """
    bucket, prefix = parse_s3_url(s3_url)
    if fmt not in INPUT_FORMATS:
        raise UsageError(f"unknown import format {fmt!r}", hint="use dynamodb-json or ion")
    if compression not in INPUT_COMPRESSION:
        raise UsageError(f"unknown import compression {compression!r}", hint="use none, gzip or zstd")
    members = _creation_members()
    out: list[ImportRequest] = []
    for create in table_requests(model):
        name = create["TableName"]
        if create.get("LocalSecondaryIndexes"):
            raise InputError(
                f"ImportTable cannot create table {name}: it has local secondary indexes",
                hint="create it with `deploy --target` and fill it with `migrate`",
                table=name,
            )
        params = {k: v for k, v in create.items() if k in members}
        left = sorted(k for k in create if k not in members)
        notes = [f"{k} is not part of ImportTable: run `deploy --target` after the import to apply it" for k in left]
        spec = model.table(name)
        if spec.ttl_attribute:
            notes.append(f"TTL on {spec.ttl_attribute}: `deploy --target` switches it on after the import")
        source: dict[str, Any] = {"S3Bucket": bucket, "S3KeyPrefix": f"{prefix}/{name}/" if prefix else f"{name}/"}
        if owner is not None:
            source["S3BucketOwner"] = owner
        request = {
            "S3BucketSource": source,
            "InputFormat": INPUT_FORMATS[fmt],
            "InputCompressionType": INPUT_COMPRESSION[compression],
            "TableCreationParameters": params,
        }
        # The same request gets the same token: a repeated call is not a second import.
        request["ClientToken"] = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:36]
        validate_request(request)
        out.append(ImportRequest(name, request, tuple(notes)))
    return out


def validate_request(request: Mapping[str, Any]) -> None:
    """Check ``request`` against botocore's model of ImportTable; ``InputError`` listing what it refuses."""
    report = ParamValidator().validate(dict(request), _operation().input_shape)
    if report.has_errors():
        raise InputError(f"the ImportTable request is not valid: {' '.join(report.generate_report().split())}")


def _operation() -> Any:
    return botocore.session.get_session().get_service_model("dynamodb").operation_model("ImportTable")


def _creation_members() -> set[str]:
    return set(_operation().input_shape.members["TableCreationParameters"].members)
