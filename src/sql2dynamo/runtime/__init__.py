"""The runtime data-access layer: executes a DataModel's plans on DynamoDB and returns source-shaped rows."""

from __future__ import annotations

from sql2dynamo.runtime.dualwrite import DualWrite, enable_dual_write
from sql2dynamo.runtime.errors import (
    ConditionFailed,
    DuplicateValue,
    InvalidRequest,
    ItemNotFound,
    Throttled,
    UnsupportedPattern,
)
from sql2dynamo.runtime.outbox import drain_outbox
from sql2dynamo.runtime.repository import Page, Repository, WriteOutcome
from sql2dynamo.runtime.shadow import ShadowReader
from sql2dynamo.runtime.types import PYTHON_TYPES, decode_value, python_annotation

__all__ = [
    "PYTHON_TYPES",
    "ConditionFailed",
    "DualWrite",
    "DuplicateValue",
    "InvalidRequest",
    "ItemNotFound",
    "Page",
    "Repository",
    "ShadowReader",
    "Throttled",
    "UnsupportedPattern",
    "WriteOutcome",
    "decode_value",
    "drain_outbox",
    "enable_dual_write",
    "python_annotation",
]
