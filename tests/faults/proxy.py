"""Compatibility only, until tests/sync/ imports ``sql2dynamo.testing.proxy`` (issue 12); then delete this folder."""

from __future__ import annotations

from sql2dynamo.testing.proxy import FaultProxy as FaultProxy
from sql2dynamo.testing.proxy import Faults as Faults
