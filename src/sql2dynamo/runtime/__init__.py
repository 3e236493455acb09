"""The runtime data-access layer: executes a DataModel's plans on DynamoDB and returns source-shaped rows."""

from __future__ import annotations

from sql2dynamo.runtime.errors import (
    ConditionFailed,
    DuplicateValue,
    InvalidRequest,
    ItemNotFound,
    Throttled,
    UnsupportedPattern,
)
from sql2dynamo.runtime.repository import Page, Repository, WriteOutcome
from sql2dynamo.runtime.types import PYTHON_TYPES, decode_value, python_annotation

__all__ = [
    "PYTHON_TYPES",
    "ConditionFailed",
    "DuplicateValue",
    "InvalidRequest",
    "ItemNotFound",
    "Page",
    "Repository",
    "Throttled",
    "UnsupportedPattern",
    "WriteOutcome",
    "decode_value",
    "python_annotation",
]
