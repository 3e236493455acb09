"""ShadowReader on the migrated Decision Data example: routing, comparison, counters, write primary, recording."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.cutover.shadow import SHADOW_ITEM, ShadowReader, shadow_totals
from sql2dynamo.runtime import DuplicateValue, Repository
from sql2dynamo.sync.control import ControlTable
from tests.helpers.deployed import Deployed, plain_client
from tests.runtime.compare import pattern_sql

pytestmark = pytest.mark.dynamodb


@pytest.fixture(scope="module")
def dd(deployed: Any) -> Deployed:
    made: Deployed = deployed("decision_data", "multi-table")
    return made


def reader(dd: Deployed, **options: Any) -> ShadowReader:
    return ShadowReader(dd.repo, engine=dd.source, patterns=pattern_sql("decision_data"), **options)


def requests(dd: Deployed) -> list[tuple[str, dict[str, Any]]]:
    """One request per key of every read pattern, keys as stored (SQLite keeps UUIDs as text)."""
    with dd.source.connect() as conn:
        users = conn.execute(sa.text("SELECT user_id, email FROM users")).all()
        files = conn.execute(sa.text("SELECT file_id FROM audio_files")).all()
    out: list[tuple[str, dict[str, Any]]] = []
    for user_id, email in users:
        out += [("AP01", {"email": email}), ("AP03", {"email": email}), ("AP04", {"user_id": user_id})]
        out.append(("AP05", {"user_id": user_id}))
    out += [("AP07", {"file_id": f}) for (f,) in files]
    return out


def test_a_faithful_migration_has_no_mismatch(dd: Deployed) -> None:
    r = reader(dd)
    for pid, params in requests(dd):
        r.read(pid, params)
    totals = r.totals()
    assert totals["reads"] == totals["compared"] == totals["served_source"] > 100
    assert totals["mismatches"] == totals["dynamodb_errors"] == 0, json.dumps(list(r.recent_mismatches))
    assert set(r.counters()) == {"AP01", "AP03", "AP04", "AP05", "AP07"}


def test_a_changed_item_is_a_mismatch_of_the_patterns_that_read_it(dd: Deployed) -> None:
    with dd.source.connect() as conn:
        file_id, user_id = conn.execute(
            sa.text("SELECT file_id, user_id FROM audio_files ORDER BY file_id LIMIT 1")
        ).one()
    key = {"file_id": {"S": str(file_id)}}
    original = dd.client.get_item(TableName="audio_files", Key=key)["Item"]
    dd.client.update_item(
        TableName="audio_files",
        Key=key,
        UpdateExpression="SET s3_key = :k",
        ExpressionAttributeValues={":k": {"S": "x"}},
    )
    try:
        r = reader(dd)
        r.read("AP07", {"file_id": file_id})
        r.read("AP05", {"user_id": user_id})
        r.read("AP04", {"user_id": user_id})
        counters = r.counters()
        assert counters["AP07"]["mismatches"] == counters["AP05"]["mismatches"] == 1
        assert counters["AP04"]["mismatches"] == 0 and r.totals()["compared"] == 3
        assert {m["pattern_id"] for m in r.recent_mismatches} == {"AP05", "AP07"}
        r.reset()
        assert r.totals()["reads"] == 0 and not r.recent_mismatches
    finally:
        dd.client.put_item(TableName="audio_files", Item=original)


def test_routing_shares_are_deterministic(dd: Deployed) -> None:
    reqs = requests(dd)
    served = []
    for _ in range(2):
        r = reader(dd, read_percent=50, shadow_percent=0, salt="a")
        for pid, params in reqs:
            r.read(pid, params)
        served.append(r.counters())
    assert served[0] == served[1]
    totals = {k: sum(c[k] for c in served[0].values()) for k in ("served_dynamodb", "served_source", "compared")}
    assert 0.3 * len(reqs) < totals["served_dynamodb"] < 0.7 * len(reqs) and totals["compared"] == 0

    everything = reader(dd, read_percent=100, shadow_percent=10)
    nothing = reader(dd, read_percent=0, shadow_percent=0)
    for pid, params in reqs:
        assert everything.read(pid, params) is not None
        nothing.read(pid, params)
    assert everything.totals()["served_dynamodb"] == len(reqs) and 0 < everything.totals()["compared"] < len(reqs) / 3
    assert nothing.totals()["served_source"] == len(reqs) and nothing.totals()["compared"] == 0

    seeded = [reader(dd, read_percent=25, seed=4) for _ in range(2)]
    for r in seeded:
        for pid, params in reqs:
            r.read(pid, params)
    assert seeded[0].counters() == seeded[1].counters()


def test_served_rows_are_the_same_from_either_side(dd: Deployed) -> None:
    with dd.source.connect() as conn:
        user_id = conn.execute(sa.text("SELECT user_id FROM users ORDER BY email LIMIT 1")).scalar_one()
    src = reader(dd, read_percent=0).read("AP04", {"user_id": user_id})
    ddb = reader(dd, read_percent=100).read("AP04", {"user_id": user_id})
    assert len(src) == len(ddb) == 1 and src[0]["email"] == ddb[0]["email"]


def test_settings_are_checked() -> None:
    with pytest.raises(UsageError, match="not a cut-over step"):
        ShadowReader.__new__(ShadowReader).set_routing(read_percent=33)
    with pytest.raises(UsageError, match="between 0 and 100"):
        ShadowReader.__new__(ShadowReader).set_routing(shadow_percent=101)
    with pytest.raises(UsageError, match="neither"):
        ShadowReader.__new__(ShadowReader).set_routing(write_primary="both")  # type: ignore[arg-type]


def test_an_unreachable_dynamodb_never_fails_a_read(dd: Deployed) -> None:
    dead = Repository(dd.model, plain_client("http://127.0.0.1:9"), max_attempts=1)
    r = ShadowReader(dead, engine=dd.source, patterns=pattern_sql("decision_data"), read_percent=100)
    pid, params = requests(dd)[2]
    rows = r.read(pid, params)
    assert len(rows) == 1
    counts = r.counters()[pid]
    assert counts == {**counts, "fallbacks": 1, "dynamodb_errors": 1, "served_source": 1}


def test_counters_are_thread_safe(dd: Deployed) -> None:
    r = reader(dd, shadow_percent=0)
    pid, params = requests(dd)[2]

    def work() -> None:
        for _ in range(50):
            r.read(pid, params)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.counters()[pid]["reads"] == r.counters()[pid]["served_source"] == 400


def test_write_primary_dynamodb_writes_there_first(dd: Deployed) -> None:
    r = reader(dd, write_primary="dynamodb")
    with dd.source.connect() as conn:
        user_id = conn.execute(sa.text("SELECT user_id FROM users LIMIT 1")).scalar_one()
    file_id = str(uuid.uuid4())
    params = {"file_id": file_id, "user_id": user_id, "s3_key": "k", "file_size": 5, "now": "2025-10-01 00:00:00"}
    calls: list[str] = []

    def source_write() -> str:
        calls.append("source")
        return "ok"

    assert r.write("AP06", params, source=source_write) == "ok"
    assert calls == ["source"]
    assert dd.client.get_item(TableName="audio_files", Key={"file_id": {"S": file_id}}).get("Item") is not None
    with pytest.raises(DuplicateValue):  # DynamoDB refuses: the source is never touched
        r.write("AP06", params, source=source_write)
    assert calls == ["source"]

    def failing() -> None:
        raise RuntimeError("source down")

    params2 = {**params, "file_id": str(uuid.uuid4())}
    with pytest.raises(RuntimeError):
        r.write("AP06", params2, source=failing)
    assert r.counters()["AP06"]["source_write_errors"] == 1 and r.counters()["AP06"]["writes"] == 3
    r.set_routing(write_primary="source")
    assert r.write("AP06", params, source=lambda: "source only") == "source only"
    for fid in (file_id, params2["file_id"]):
        dd.client.delete_item(TableName="audio_files", Key={"file_id": {"S": fid}})


def test_record_merges_readers_in_the_control_table(dd: Deployed) -> None:
    control = ControlTable(dd.client, "shadow_test_control")
    control.ensure()
    a, b = reader(dd, name="web-1"), reader(dd, name="web-2")
    for pid, params in requests(dd)[:6]:
        a.read(pid, params)
    b.read(*requests(dd)[0])
    a.record(control)
    b.record(control)
    totals = shadow_totals(control.get(SHADOW_ITEM))
    assert totals["readers"] == ["web-1", "web-2"] and totals["reads"] == 7 and totals["compared"] == 7
    assert totals["mismatch_rate"] == 0.0
    assert shadow_totals(None)["mismatch_rate"] is None
    assert a.follow_cutover(control) == "dual-write" and (a.read_percent, a.write_primary) == (0, "source")
    control.put("cutover", {"phase": "read-25", "history": []})
    assert a.follow_cutover(control) == "read-25" and (a.read_percent, a.write_primary) == (25, "source")
    control.put("cutover", {"phase": "write-shift", "history": []})
    assert a.follow_cutover(control) == "write-shift" and (a.read_percent, a.write_primary) == (100, "dynamodb")
    dd.client.delete_table(TableName="shadow_test_control")


def test_source_callable_and_missing_sql(dd: Deployed, tmp_path: Path) -> None:
    r = ShadowReader(dd.repo, reporter=RecordingReporter())
    pid, params = requests(dd)[2]
    with dd.source.connect() as conn:
        rows = [dict(x) for x in conn.execute(sa.text(pattern_sql("decision_data")[pid]), params).mappings()]
    assert r.read(pid, params, source=lambda: rows) == rows
    assert r.totals()["mismatches"] == 0 and r.totals()["compared"] == 1
    with pytest.raises(UsageError, match="no source read"):
        r.read(pid, params)
    assert r.totals()["source_errors"] == 1
