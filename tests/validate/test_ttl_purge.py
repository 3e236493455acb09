"""A read on a table TTL is purging: DynamoDB may hold any share of the expired items while the sweep goes on.

DynamoDB's TTL deletes expired items a batch at a time (DynamoDB Local: about twenty every ten seconds;
AWS: within days), so validate may read a table part-way through.  Here the sweep is made deterministic:
TTL is switched off on DynamoDB Local after the backfill and every other expired item is deleted by the
test, as one sweep would.  A list pattern on usage_logs must still pass; losing an item that has not
expired must not.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.design import design
from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.validate import ValidateResult, validate
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.testing.dynamodb import boto_client

pytestmark = pytest.mark.dynamodb

# Appended to the example's patterns list (the file's last key).
PATTERN = """\
  - id: AP90
    description: A user's latest hints or executions
    sql: >-
      SELECT id, problem_id, created_at FROM usage_logs WHERE user_id = :user_id AND action = :action
      ORDER BY created_at DESC LIMIT 50
    rps: {avg: 1, peak: 2}
    consistency: eventual
    source: user
"""


def _designed(tmp_path: Path) -> tuple[str, Path]:
    """AlgoItny in SQLite with one fresh (unexpired) log per user and action, designed with AP90 added."""
    url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    ex = get_example("algoitny")
    engine = sa.create_engine(url)
    try:
        ex.generate(engine, rows=8)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        with engine.begin() as conn:
            users = conn.execute(sa.text("SELECT DISTINCT user_id, action FROM usage_logs")).all()
            for user_id, action in users:
                conn.execute(
                    sa.text("INSERT INTO usage_logs (user_id, action, created_at) VALUES (:u, :a, :t)"),
                    {"u": user_id, "a": action, "t": now},
                )
    finally:
        engine.dispose()
    analyzed = analyze(url, out_dir=tmp_path / "analysis", reporter=RecordingReporter(), application=ex.name)
    model_dir = tmp_path / "design"
    model_dir.mkdir()
    text = ex.access_patterns.read_text(encoding="utf-8")
    (model_dir / "access_patterns.yaml").write_text(text.rstrip("\n") + "\n" + PATTERN, encoding="utf-8")
    design(
        analyzed.schema_path,
        model_dir / "access_patterns.yaml",
        out_dir=model_dir,
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
    )
    return url, model_dir


def _logs(endpoint: str) -> list[dict[str, Any]]:
    client = boto_client(endpoint)
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName="usage_logs", ConsistentRead=True):
        items.extend(page["Items"])
    return sorted(items, key=lambda i: int(i["id"]["N"]))


def _delete(endpoint: str, items: list[dict[str, Any]]) -> None:
    """Delete ``items`` by the table's own key (whatever attributes the design chose for it)."""
    client = boto_client(endpoint)
    key_names = [k["AttributeName"] for k in client.describe_table(TableName="usage_logs")["Table"]["KeySchema"]]
    for item in items:
        client.delete_item(TableName="usage_logs", Key={name: item[name] for name in key_names})


def _validate(url: str, model_dir: Path, endpoint: str) -> ValidateResult:
    return validate(url, model_dir, endpoint, reporter=RecordingReporter(), migrate_first=False, only=("AP90",))


def test_a_list_read_passes_part_way_through_the_ttl_sweep_and_fails_on_a_lost_live_item(
    tmp_path: Path, endpoint: str
) -> None:
    url, model_dir = _designed(tmp_path)
    client = boto_client(endpoint)
    deploy(model_dir, endpoint, reporter=RecordingReporter(), confirm=lambda gate, question: True)
    # No sweep of DynamoDB Local's own from here on: the test deletes what one sweep would.
    client.update_time_to_live(
        TableName="usage_logs", TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires_at"}
    )
    migrate(url, model_dir, endpoint, reporter=RecordingReporter())
    now = dt.datetime.now(dt.UTC).timestamp()
    logs = _logs(endpoint)
    expired = [i for i in logs if float(i["expires_at"]["N"]) <= now]
    live = [i for i in logs if float(i["expires_at"]["N"]) > now]
    assert len(expired) >= 4 and live

    _delete(endpoint, expired[::2])
    result = _validate(url, model_dir, endpoint)
    assert result.ok, {p.pattern_id: p.reason for p in result.failed}
    cases = next(p for p in result.patterns if p.pattern_id == "AP90").cases
    # The busiest key read part-way: some expired rows came back, some did not.
    assert any(0 < c.actual < c.expected for c in cases), [(c.label, c.expected, c.actual) for c in cases]

    _delete(endpoint, live)
    lost = _validate(url, model_dir, endpoint)
    assert not lost.ok
    assert "AP90" in {p.pattern_id for p in lost.failed}
