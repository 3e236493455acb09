"""Repository: executes a DataModel's access-pattern plans on DynamoDB, returning the rows the SQL would give.

    repo = Repository.from_model_dir("out/design", dynamodb_client)
    page = repo.read("AP04", {"customer_id": 7, "limit": 20}, limit=10)
    while page.cursor:
        page = repo.read("AP04", {"customer_id": 7, "limit": 20}, limit=10, cursor=page.cursor)
    repo.write("AP22", {"playlist_id": 1, "track_id": 3})

Parameters are the pattern's SQL parameters by name (``:email`` is
``"email"``); for an INSERT, the inserted row's column values.  Rows come
back keyed by source column names with the source's Python types (see
:mod:`sql2dynamo.runtime.types`); a COUNT pattern gives one row
``{"count": n}``; columns of another table joined in by a multi-step plan or
copied into the item (denormalized) come back as ``"<table>.<column>"``.

The repository keeps no state between calls besides what it compiles from
the model in its constructor; every call meters itself, so one instance and
one boto3 client serve any number of threads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sql2dynamo.common.errors import InputError
from sql2dynamo.design.model import AccessPlan, DataModel, model_from_dict
from sql2dynamo.runtime.cursor import encode_cursor
from sql2dynamo.runtime.entities import TableCodecs
from sql2dynamo.runtime.errors import InvalidRequest, UnsupportedPattern
from sql2dynamo.runtime.reads import Reader
from sql2dynamo.runtime.writes import Writer
from sql2dynamo.target.retry import RetryPolicy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


@dataclass(frozen=True)
class Page:
    """One page of a read: rows keyed by source column names, and the cursor of the next page."""

    rows: tuple[dict[str, Any], ...]
    cursor: str | None  # opaque; pass back to read() for the next page; None = no more
    calls: int  # DynamoDB calls made (retries included)
    consumed_rcu: float


@dataclass(frozen=True)
class WriteOutcome:
    """What a write cost."""

    calls: int
    consumed_wcu: float


class Repository:
    """Runs the plans of one DataModel through one shared boto3 client; thread-safe."""

    def __init__(
        self,
        model: DataModel,
        client: DynamoDBClient,
        *,
        max_attempts: int = 8,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Compile ``model``'s tables once; ``retry`` overrides the backoff (its ``max_attempts`` wins)."""
        self.model = model
        self.client = client
        self.policy = retry if retry is not None else RetryPolicy(max_attempts=max_attempts, cap_s=2.0)
        self._codecs = {t.name: TableCodecs(model, t) for t in model.tables}

    @classmethod
    def from_model_dir(cls, model_dir: str | Path, client: DynamoDBClient) -> Repository:
        """A repository over the ``data_model.json`` in ``model_dir`` (or that file itself)."""
        path = Path(model_dir)
        if path.is_dir():
            path = path / "data_model.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"cannot read the data model {path}: {exc}", hint="run `sql2dynamo design` first"
            ) from None
        return cls(model_from_dict(data), client)

    def plan(self, pattern_id: str) -> AccessPlan:
        """The plan of ``pattern_id``; :class:`InvalidRequest` for an unknown one."""
        try:
            return self.model.plan(pattern_id)
        except KeyError:
            raise InvalidRequest(f"unknown access pattern {pattern_id}", pattern_id=pattern_id) from None

    def _supported(self, pattern_id: str, kind: str) -> AccessPlan:
        plan = self.plan(pattern_id)
        if not plan.supported:
            raise UnsupportedPattern(
                f"{pattern_id} is not served by this model: {plan.reason}",
                hint=plan.alternative,
                reason=plan.reason,
                alternative=plan.alternative,
                pattern_id=pattern_id,
            )
        if plan.kind != kind:
            raise InvalidRequest(f"{pattern_id} is a {plan.kind} pattern, not a {kind}", pattern_id=pattern_id)
        return plan

    def read(
        self, pattern_id: str, params: Mapping[str, Any], *, limit: int | None = None, cursor: str | None = None
    ) -> Page:
        """One page of a read pattern's rows: at most ``limit`` (all when None), from ``cursor`` on."""
        plan = self._supported(pattern_id, "read")
        reader = Reader(self.client, self._codecs, self.policy, plan, params)
        result = reader.run(limit, cursor)
        next_cursor = encode_cursor(pattern_id, result.next_state) if result.next_state else None
        return Page(tuple(result.rows), next_cursor, reader.meter.calls, reader.meter.capacity)

    def write(self, pattern_id: str, params: Mapping[str, Any]) -> WriteOutcome:
        """Apply a write pattern: raises DuplicateValue, ItemNotFound, ConditionFailed, Throttled on failure."""
        plan = self._supported(pattern_id, "write")
        writer = Writer(self.client, self._codecs, self.policy, plan, params)
        writer.run()
        return WriteOutcome(writer.meter.calls, writer.meter.capacity)
