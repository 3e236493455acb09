"""Real DynamoDB Local holding real migrated example data, for the runtime tests.

``deploy_example`` runs the demo pipeline (generate a small SQLite database, analyze, design, deploy,
migrate, verify) for one example and strategy, and gives the SQLite source, the model and a repository
over one plain boto3 client without botocore's own retries (the repository's retries are what is tested).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from botocore.config import Config

from sql2dynamo.commands.demo import demo
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import DataModel, model_from_dict
from sql2dynamo.runtime import Repository
from sql2dynamo.testing.dynamodb import boto_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEMO_ROWS = 30


def plain_client(endpoint_url: str, *, max_pool: int = 10) -> DynamoDBClient:
    """A boto3 client with botocore's retries off: every throttle reaches the repository."""
    return boto_client(
        endpoint_url,
        Config(retries={"mode": "standard", "total_max_attempts": 1}, max_pool_connections=max_pool),
    )


def disable_ttl(client: DynamoDBClient, model_dir: Path) -> None:
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


def deploy_example(example: str, strategy: str, out: Path, endpoint: str) -> Deployed:
    """Run the demo of ``example`` with ``strategy`` into ``out`` against ``endpoint``, TTL off after deploy.

    The caller disposes of ``Deployed.source``.
    """
    client = plain_client(endpoint)
    result = demo(
        out_dir=out,
        rows=DEMO_ROWS,
        reporter=RecordingReporter(),
        example=example,
        strategy=strategy,
        target=endpoint,
        after_stage=lambda stage, _: disable_ttl(client, out / "design") if stage == "deploy" else None,
    )
    engine = sa.create_engine(f"sqlite:///{result.database}")
    model = result.design.model
    return Deployed(example, strategy, engine, out / "design", model, endpoint, client, Repository(model, client))
