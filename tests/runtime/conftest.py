"""Real DynamoDB Local holding real migrated example data, for the runtime tests.

``deployed(example, strategy)`` runs the demo pipeline (generate a small SQLite
database, analyze, design, deploy, migrate, verify) once per module for that
example and strategy, on the module's DynamoDB Local, and gives the SQLite
source, the model and a repository over one plain boto3 client without
botocore's own retries (the repository's retries are what is tested).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
import sqlalchemy as sa
from botocore.config import Config

from sql2dynamo.commands.demo import demo
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import DataModel, model_from_dict
from sql2dynamo.runtime import Repository
from sql2dynamo.target import local
from tests.target.conftest import dynamodb_jar, shared_local  # noqa: F401  (fixtures, found through this import)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def plain_client(endpoint_url: str, *, max_pool: int = 10) -> DynamoDBClient:
    """A boto3 client with botocore's retries off: every throttle reaches the repository."""
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}, max_pool_connections=max_pool),
    )


def _disable_ttl(client: DynamoDBClient, model_dir: Path) -> None:
    """Turn TTL off on the deployed tables.

    The examples' rows are dated 2025, so their TTL has passed, and DynamoDB
    Local would delete them in the background while the tests compare with
    the source.  Expiry is the design's business, not the runtime's.
    """
    model = model_from_dict(json.loads((model_dir / "data_model.json").read_text()))
    for table in model.tables:
        if table.ttl_attribute:
            client.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"Enabled": False, "AttributeName": table.ttl_attribute},
            )


@dataclass
class Deployed:
    """An example migrated to DynamoDB Local: its source, its model, a repository over it."""

    example: str
    strategy: str
    source: sa.Engine
    model_dir: Path
    model: DataModel
    endpoint: str
    client: DynamoDBClient
    repo: Repository


@pytest.fixture(scope="module")
def endpoint(shared_local: tuple[local.LocalInstance, Path]) -> str:  # noqa: F811
    """The module's DynamoDB Local."""
    return shared_local[0].endpoint_url


@pytest.fixture(scope="module")
def deployed(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, str], Deployed]]:
    """Factory: ``deployed(example, strategy)``, migrated once per module (table names of examples differ)."""
    made: dict[tuple[str, str], Deployed] = {}
    engines: list[sa.Engine] = []

    def make(example: str, strategy: str) -> Deployed:
        known = made.get((example, strategy))
        if known is not None:
            return known
        out = tmp_path_factory.mktemp(f"{example}-{strategy}")
        client = plain_client(endpoint)

        result = demo(
            out_dir=out,
            rows=30,
            reporter=RecordingReporter(),
            example=example,
            strategy=strategy,
            target=endpoint,
            after_stage=lambda stage, _: _disable_ttl(client, out / "design") if stage == "deploy" else None,
        )
        engine = sa.create_engine(f"sqlite:///{result.database}")
        engines.append(engine)
        model = result.design.model
        done = Deployed(example, strategy, engine, out / "design", model, endpoint, client, Repository(model, client))
        made[(example, strategy)] = done
        return done

    yield make
    for engine in engines:
        engine.dispose()
