"""Repository: executes a DataModel's access-pattern plans on DynamoDB, returning the rows the SQL would give."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sql2dynamo.design.model import DataModel, model_from_dict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@dataclass(frozen=True)
class Page:
    """One page of a read: rows keyed by source column names, and the cursor of the next page."""

    rows: tuple[dict[str, Any], ...]
    cursor: str | None
    calls: int
    consumed_rcu: float


@dataclass(frozen=True)
class WriteOutcome:
    """What a write cost."""

    calls: int
    consumed_wcu: float


class Repository:
    """Runs the plans of one DataModel through one shared boto3 client; thread-safe."""

    def __init__(self, model: DataModel, client: DynamoDBClient, *, max_attempts: int = 8) -> None:
        self.model = model
        self.client = client
        self.max_attempts = max_attempts

    @classmethod
    def from_model_dir(cls, model_dir: str | Path, client: DynamoDBClient) -> Repository:
        """A repository over the ``data_model.json`` in ``model_dir``."""
        path = Path(model_dir) / "data_model.json"
        return cls(model_from_dict(json.loads(path.read_text(encoding="utf-8"))), client)

    def read(
        self, pattern_id: str, params: Mapping[str, Any], *, limit: int | None = None, cursor: str | None = None
    ) -> Page:
        """Run a read pattern's plan: one page of rows."""
        raise NotImplementedError

    def write(self, pattern_id: str, params: Mapping[str, Any]) -> WriteOutcome:
        """Run a write pattern's plan."""
        raise NotImplementedError
