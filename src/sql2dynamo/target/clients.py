"""boto3 clients with the timeouts and retry policy sql2dynamo uses everywhere.

Kept apart from ``endpoint`` so that ``local`` can probe an instance without
importing the target parser (which itself imports ``local``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from sql2dynamo import __version__

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LOCAL_REGION = "us-east-1"
"""DynamoDB Local runs with ``-sharedDb``, so any region works; this one is fixed for clarity."""

LOCAL_ACCESS_KEY = "local"
LOCAL_SECRET_KEY = "local"

_USER_AGENT = f"sql2dynamo/{__version__}"


def client_config(*, local: bool, probe: bool = False) -> Config:
    """The botocore configuration for a DynamoDB client.

    A local endpoint either answers at once or is not there, so it gets short
    connect timeouts; AWS gets longer ones.  ``probe`` is for readiness checks:
    one attempt, because the caller polls in its own loop.
    """
    if probe:
        return Config(
            connect_timeout=1,
            read_timeout=3,
            retries={"mode": "standard", "total_max_attempts": 1},
            user_agent_extra=_USER_AGENT,
        )
    if local:
        return Config(
            connect_timeout=3,
            read_timeout=60,
            retries={"mode": "standard", "total_max_attempts": 3},
            user_agent_extra=_USER_AGENT,
        )
    # Adaptive mode adds client-side rate limiting on throttling, which is what a
    # backfill against on-demand or provisioned tables needs.
    return Config(
        connect_timeout=10,
        read_timeout=60,
        retries={"mode": "adaptive", "total_max_attempts": 10},
        user_agent_extra=_USER_AGENT,
    )


def local_client(
    endpoint_url: str,
    *,
    probe: bool = False,
    access_key: str = LOCAL_ACCESS_KEY,
    secret_key: str = LOCAL_SECRET_KEY,
    region: str = LOCAL_REGION,
    config: Config | None = None,
) -> DynamoDBClient:
    """A client for a non-AWS endpoint (DynamoDB Local or a compatible server).

    Explicit credentials keep the user's AWS profile out of it: a local endpoint
    must never pick up, log or need real keys.  ``config`` is merged over the defaults.
    """
    session = boto3.session.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=region,
    )
    return session.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        config=_merged(client_config(local=True, probe=probe), config),
    )


def aws_client(
    session: boto3.session.Session, *, endpoint_url: str | None = None, config: Config | None = None
) -> DynamoDBClient:
    """A client for real AWS (or an AWS-hosted endpoint) from a session using the standard chain.

    ``config`` is merged over the defaults.
    """
    return session.client("dynamodb", endpoint_url=endpoint_url, config=_merged(client_config(local=False), config))


def _merged(base: Config, extra: Config | None) -> Config:
    return base.merge(extra) if extra is not None else base
