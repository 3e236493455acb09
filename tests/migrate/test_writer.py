"""The BatchWriteItem writer against a real DynamoDB Local, directly and through the fault proxy.

Timing assertions are deliberately loose (lower bounds with a 20 % margin, no
upper bounds beyond "did not hang"): the machine is shared and noisy.
"""

from __future__ import annotations

import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from sql2dynamo.common.errors import TargetError, TransientError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.items.size import item_size
from sql2dynamo.migrate.ratelimit import AimdLimiter, TokenBucket, estimate_wcu
from sql2dynamo.migrate.writer import BatchWriter, writer_client_config
from sql2dynamo.target import local
from sql2dynamo.target.retry import ErrorKind, RetryPolicy, classify, retry_call

# The session's DynamoDB Local fixtures (jar discovery/installation, one in-memory instance per module).
from sql2dynamo.testing.dynamodb import boto_client
from sql2dynamo.testing.proxy import FaultProxy, Faults

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]
MakeTable = Callable[..., str]

FAST_RETRY = RetryPolicy(base_s=0.01, cap_s=0.2, max_attempts=40, rng=random.Random(1))


# -- helpers ------------------------------------------------------------------------------------


def writer_client(url: str, concurrency: int = 8) -> DynamoDBClient:
    """A client as the migrate stage should build one: no SDK retries, a pool as large as the concurrency."""
    base = Config(connect_timeout=3, read_timeout=30)
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=writer_client_config(concurrency, base),
    )


def make_item(i: int, *, pad: int = 0) -> Item:
    """A row-like item with most attribute types, ``pad`` extra bytes in a string."""
    item: Item = {
        "pk": {"S": f"user#{i:06d}"},
        "name": {"S": f"name {i} é"},
        "age": {"N": str(i % 97)},
        "score": {"N": f"{i}.25"},
        "active": {"BOOL": i % 2 == 0},
        "nothing": {"NULL": True},
        "blob": {"B": i.to_bytes(4, "big")},
        "tags": {"SS": ["a", f"t{i % 5}"]},
        "addr": {"M": {"city": {"S": "Paris"}, "zip": {"N": "75001"}}},
        "history": {"L": [{"N": "1"}, {"S": "x"}]},
    }
    if pad:
        item["pad"] = {"S": "x" * pad}
    return item


def count_items(client: DynamoDBClient, table: str) -> int:
    """Scan COUNT over every page."""
    return sum(page["Count"] for page in client.get_paginator("scan").paginate(TableName=table, Select="COUNT"))


def assert_spot_checks(client: DynamoDBClient, table: str, items: list[Item], samples: int = 25) -> None:
    """GetItem a random sample of ``items``: each is stored exactly as given."""
    for item in random.Random(7).sample(items, min(samples, len(items))):
        stored = client.get_item(TableName=table, Key={"pk": item["pk"]}, ConsistentRead=True).get("Item")
        assert stored == item


@pytest.fixture(scope="module")
def endpoint(shared_local: tuple[local.LocalInstance, Any]) -> str:
    """The module's DynamoDB Local endpoint URL."""
    return shared_local[0].endpoint_url


@pytest.fixture
def make_table(endpoint: str) -> MakeTable:
    """Factory: an on-demand table with string hash key ``pk`` (and optional numeric range key ``sk``)."""

    def make(prefix: str = "w", *, range_key: bool = False) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        keys: list[Any] = [{"AttributeName": "pk", "KeyType": "HASH"}]
        attrs: list[Any] = [{"AttributeName": "pk", "AttributeType": "S"}]
        if range_key:
            keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
            attrs.append({"AttributeName": "sk", "AttributeType": "N"})
        boto_client(endpoint).create_table(
            TableName=name, KeySchema=keys, AttributeDefinitions=attrs, BillingMode="PAY_PER_REQUEST"
        )
        return name

    return make


@pytest.fixture
def proxy(endpoint: str) -> Iterator[FaultProxy]:
    """A fault proxy in front of the module's DynamoDB Local (no faults until a test sets them)."""
    with FaultProxy(endpoint, seed=42, lifetime_s=120) as running:
        yield running


# -- against DynamoDB Local directly ------------------------------------------------------------


@pytest.mark.dynamodb
def test_5000_items_all_land(endpoint: str, make_table: MakeTable) -> None:
    table = make_table()
    items = [make_item(i, pad=1500 if i % 10 == 0 else 0) for i in range(5000)]
    client = writer_client(endpoint)
    progress: list[int] = []
    with BatchWriter(client, concurrency=8, on_progress=lambda _t, n: progress.append(n)) as writer:
        result = writer.write_many((table, items[i : i + 500]) for i in range(0, len(items), 500))
        counters = writer.counters(table)
    assert result.ok and result.written == 5000 and result.duplicates == 0
    assert count_items(client, table) == 5000
    assert_spot_checks(client, table, items)
    assert counters.items_written == 5000 and counters.items_failed == 0
    assert counters.requests == 200 and counters.retries == 0
    # DynamoDB Local reports consumption: 1 WCU per item, 2 for the padded tenth.
    assert counters.wcu_consumed == result.wcu == 5500
    assert counters.seconds > 0 and counters.items_per_second > 0
    assert sum(progress) == 5000


@pytest.mark.dynamodb
def test_consumed_capacity_is_sampled_and_scaled_by_the_measured_ratio(endpoint: str) -> None:
    """Only sampled requests ask for capacity; the rest are scaled by what the samples measured (GSI included)."""
    client = writer_client(endpoint)
    items = [make_item(i, pad=1500 if i % 10 == 0 else 0) for i in range(2000)]
    totals = {}
    for sample, concurrency in ((1, 1), (4, 1), (4, 8)):
        name = f"cap-{sample}-{concurrency}-{uuid.uuid4().hex[:8]}"
        boto_client(endpoint).create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "name", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_name",
                    "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        asked: list[bool] = []

        def spy(request: Any, asked: list[bool] = asked, **_: Any) -> None:
            asked.append(b"ReturnConsumedCapacity" in (request.body or b""))

        client.meta.events.register("before-send.dynamodb.BatchWriteItem", spy)
        try:
            with BatchWriter(client, concurrency=concurrency, capacity_sample=sample) as writer:
                assert writer.write(name, items).ok
                totals[sample, concurrency] = writer.counters(name).wcu_consumed
        finally:
            client.meta.events.unregister("before-send.dynamodb.BatchWriteItem", spy)
        # 80 requests: every one with 1; with 4 and one at a time the first and every fourth (4, 8, ..., 80);
        # with 8 at once, all that start before the first measured answer is back.
        assert len(asked) == 80
        if concurrency == 1:
            assert sum(asked) == (80 if sample == 1 else 21)
        else:
            assert 21 <= sum(asked) < 80
    # The GSI (projecting everything) doubles what the item sizes alone would cost; the estimate is scaled to it.
    assert totals[1, 1] == 2 * estimate_wcu(items)
    assert totals[4, 1] == pytest.approx(totals[1, 1])
    assert totals[4, 8] == pytest.approx(totals[1, 1])


@pytest.mark.dynamodb
def test_duplicates_last_wins_and_bad_keys_are_reported(endpoint: str, make_table: MakeTable) -> None:
    table = make_table(range_key=True)
    client = writer_client(endpoint)
    items: list[Item] = [{"pk": {"S": "a"}, "sk": {"N": str(i)}, "v": {"S": "first"}} for i in range(30)]
    items += [{"pk": {"S": "a"}, "sk": {"N": "3.0"}, "v": {"S": "last"}}]  # same key as sk=3: DynamoDB normalises N
    items += [
        {"pk": {"S": "b"}},  # no range key
        {"pk": {"N": "1"}, "sk": {"N": "1"}},  # wrong key type
        {"pk": {"S": ""}, "sk": {"N": "1"}},  # empty key
        {"pk": {"S": "c"}, "sk": {"N": "one"}},  # not a number
    ]
    with BatchWriter(client) as writer:
        result = writer.write(table, items)
    assert result.written == 30 and result.duplicates == 1
    assert result.written + len(result.failed) + result.duplicates == len(items)
    reasons = {repr(f.key): f.error for f in result.failed}
    assert all(f.table == table and f.code == "InvalidKey" for f in result.failed)
    assert "'sk' is missing" in reasons[repr({"pk": {"S": "b"}})]
    assert "not of type S" in reasons[repr({"pk": {"N": "1"}, "sk": {"N": "1"}})]
    assert "is empty" in reasons[repr({"pk": {"S": ""}, "sk": {"N": "1"}})]
    assert "not a number" in reasons[repr({"pk": {"S": "c"}, "sk": {"N": "one"}})]
    stored = client.get_item(TableName=table, Key={"pk": {"S": "a"}, "sk": {"N": "3"}})["Item"]
    assert stored["v"] == {"S": "last"}
    assert count_items(client, table) == 30


@pytest.mark.dynamodb
def test_many_reader_threads_share_one_writer(endpoint: str, make_table: MakeTable) -> None:
    tables = [make_table("ta"), make_table("tb")]
    client = writer_client(endpoint)
    results: list[int] = []
    with BatchWriter(client, concurrency=6, max_pending=8) as writer:

        def reader(n: int) -> None:
            table = tables[n % 2]
            for start in range(n * 1000, (n + 1) * 1000, 100):
                results.append(writer.write(table, [make_item(i) for i in range(start, start + 100)]).written)

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        stats = writer.stats()
    assert sum(results) == 4000
    assert [count_items(client, t) for t in tables] == [2000, 2000]
    assert {name: c.items_written for name, c in stats.tables.items()} == {tables[0]: 2000, tables[1]: 2000}
    assert 1 <= stats.peak_in_flight <= 6


@pytest.mark.dynamodb
def test_missing_table_fails_fast_with_the_fix(proxy: FaultProxy) -> None:
    client = writer_client(proxy.url)
    items = [make_item(i) for i in range(100)]
    with BatchWriter(client, retry=RetryPolicy(max_attempts=5)) as writer, pytest.raises(TargetError) as caught:
        writer.write("no-such-table", items)
    # Terminal, so never retried: one request per 25-item chunk at most, not five attempts each.
    assert 0 < proxy.stats()["requests"] <= len(items) // 25
    error = caught.value
    assert not isinstance(error, TransientError)
    assert "'no-such-table' does not exist" in error.message and "create the table" in (error.hint or "")
    assert "\n" not in error.one_line()

    # Without DescribeTable (key schema given), the BatchWriteItem refusal is terminal too,
    # and later writes to the table fail at once without another call.
    with BatchWriter(client, key_schema={"no-such-table": (("pk", "S"),)}) as writer:
        with pytest.raises(TargetError, match="'no-such-table' does not exist"):
            writer.write("no-such-table", items)
        calls_before = proxy.stats()["requests"]
        with pytest.raises(TargetError, match="does not exist"):
            writer.write("no-such-table", items)
        assert proxy.stats()["requests"] == calls_before
        assert writer.counters("no-such-table").items_written == 0


@pytest.mark.dynamodb
def test_rejected_item_is_terminal_and_names_the_table(endpoint: str, make_table: MakeTable) -> None:
    table = make_table()
    client = writer_client(endpoint)
    with BatchWriter(client) as writer, pytest.raises(TargetError) as caught:
        writer.write(table, [{"pk": {"S": "x"}, "bad": {"N": "not-a-number"}}])
    assert f"table {table!r}" in caught.value.message and caught.value.context.extra["code"] == "ValidationException"


@pytest.mark.dynamodb
def test_max_wcu_caps_the_rate(endpoint: str, make_table: MakeTable) -> None:
    table = make_table()
    client = writer_client(endpoint)
    items = [make_item(i, pad=1200) for i in range(800)]  # 2 WCU each
    max_wcu = 300.0
    started = time.monotonic()
    with BatchWriter(client, concurrency=8, max_wcu=max_wcu) as writer:
        result = writer.write(table, items)
        stats = writer.stats()
    elapsed = time.monotonic() - started
    assert result.ok and result.wcu == estimate_wcu(items) == 1600
    assert elapsed >= 0.8 * result.wcu / max_wcu, f"{result.wcu} WCU in {elapsed:.1f}s is over {max_wcu} WCU/s"
    assert stats.rate_wait_s > 0
    assert count_items(client, table) == 800


@pytest.mark.dynamodb
def test_slow_calls_still_fill_every_slot(endpoint: str, make_table: MakeTable, proxy: FaultProxy) -> None:
    table = make_table()
    proxy.set_faults(Faults(delay_ms=30))
    with BatchWriter(writer_client(proxy.url), concurrency=8) as writer:
        result = writer.write(table, [make_item(i) for i in range(1000)])
        stats = writer.stats()
    assert result.ok and result.written == 1000
    assert stats.peak_in_flight == 8 and proxy.stats()["max_in_flight"] >= 6


# -- through the fault proxy --------------------------------------------------------------------


@pytest.mark.dynamodb
def test_every_item_lands_through_faults(endpoint: str, make_table: MakeTable, proxy: FaultProxy) -> None:
    table = make_table()
    proxy.set_faults(Faults(throttle=0.20, error500=0.10, drop=0.05, drop_after=0.05, partial=0.30))
    items = [make_item(i) for i in range(3000)]
    with BatchWriter(writer_client(proxy.url), concurrency=8, retry=FAST_RETRY) as writer:
        result = writer.write_many((table, items[i : i + 250]) for i in range(0, len(items), 250))
        counters = writer.counters(table)
        stats = writer.stats()
    direct = writer_client(endpoint)
    assert result.ok and result.written == 3000, result.failed[:3]
    assert count_items(direct, table) == 3000
    assert_spot_checks(direct, table, items)
    seen = proxy.stats()
    assert all(seen.get(kind, 0) > 0 for kind in ("throttle", "error500", "drop", "drop_after", "partial"))
    assert counters.throttles > 0 and counters.errors > 0 and counters.unprocessed_items > 0
    assert counters.retries >= counters.throttles + counters.errors
    assert counters.items_written == 3000 and counters.wcu_consumed == 3000
    assert stats.limit_decreases > 0


@pytest.mark.dynamodb
def test_aimd_cuts_in_flight_requests_under_throttling(make_table: MakeTable, proxy: FaultProxy) -> None:
    table = make_table()
    proxy.set_faults(Faults(throttle=0.6, operations=frozenset({"BatchWriteItem"})))
    with BatchWriter(writer_client(proxy.url), concurrency=8, retry=FAST_RETRY, increase_after=50) as writer:
        result = writer.write(table, [make_item(i) for i in range(1500)])
        stats = writer.stats()
    assert result.ok and result.written == 1500
    assert stats.limit_decreases >= 2 and stats.concurrency_min <= 2
    assert stats.tables[table].throttles > 0

    # Without throttling the limit climbs back: +1 per `increase_after` successes.
    proxy.set_faults(Faults())
    with BatchWriter(writer_client(proxy.url), concurrency=8, increase_after=1) as writer:
        writer.write(table, [make_item(i) for i in range(500)])
        assert writer.stats().limit_decreases == 0 and writer.stats().concurrency_limit == 8


@pytest.mark.dynamodb
def test_items_that_never_land_are_reported_with_their_keys(make_table: MakeTable, proxy: FaultProxy) -> None:
    table = make_table()
    proxy.set_faults(Faults(throttle=1.0, operations=frozenset({"BatchWriteItem"})))
    policy = RetryPolicy(base_s=0.001, cap_s=0.01, max_attempts=3, rng=random.Random(3))
    items = [make_item(i) for i in range(30)]
    with BatchWriter(writer_client(proxy.url), retry=policy) as writer:
        result = writer.write(table, items)
    assert result.written == 0 and len(result.failed) == 30
    assert {f.key["pk"]["S"] for f in result.failed} == {i["pk"]["S"] for i in items}
    assert all(f.code == "ProvisionedThroughputExceededException" for f in result.failed)
    assert result.throttles == 6  # two chunks, three attempts each


@pytest.mark.dynamodb
def test_proxy_partial_batches_write_only_what_they_forward(endpoint: str, make_table: MakeTable) -> None:
    table = make_table()
    with FaultProxy(endpoint, Faults(partial=1.0), seed=5) as proxy:
        client = boto3.client(
            "dynamodb",
            endpoint_url=proxy.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"total_max_attempts": 1}),
        )
        items: list[Item] = [{"pk": {"S": f"p{i}"}, "b": {"B": b"\x00\xff"}} for i in range(20)]
        requests: list[Any] = [{"PutRequest": {"Item": item}} for item in items]
        answer = client.batch_write_item(RequestItems={table: requests}, ReturnConsumedCapacity="TOTAL")
        held = [r["PutRequest"]["Item"] for r in answer["UnprocessedItems"][table]]
        assert 1 <= len(held) <= 20 and proxy.stats()["held_back_items"] == len(held)
        assert answer["ConsumedCapacity"][0]["CapacityUnits"] == 20 - len(held)
        port = proxy.port
    direct = boto_client(endpoint)
    stored = {i["pk"]["S"] for i in direct.scan(TableName=table, ConsistentRead=True)["Items"]}
    assert stored == {i["pk"]["S"] for i in items} - {i["pk"]["S"] for i in held}
    # Stopped: nothing listens any more.
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.dynamodb
def test_proxy_faults_look_like_dynamodb(endpoint: str, make_table: MakeTable, proxy: FaultProxy) -> None:
    table = make_table()
    client = boto3.client(
        "dynamodb",
        endpoint_url=proxy.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )
    expected: list[tuple[str, Faults, type[Exception] | str]] = [
        ("throttle", Faults(throttle=1.0), "ProvisionedThroughputExceededException"),
        ("error500", Faults(error500=1.0), "InternalServerError"),
        ("drop", Faults(drop=1.0), ConnectionClosedError),
        ("drop_after", Faults(drop_after=1.0), ConnectionClosedError),
    ]
    for kind, faults, error in expected:
        proxy.set_faults(faults)
        with pytest.raises(Exception) as caught:
            client.put_item(TableName=table, Item={"pk": {"S": kind}})
        if isinstance(error, str):
            assert isinstance(caught.value, ClientError) and caught.value.response["Error"]["Code"] == error
            assert classify(caught.value) is not ErrorKind.TERMINAL
        else:
            assert isinstance(caught.value, error) and classify(caught.value) is ErrorKind.TRANSIENT
    proxy.set_faults(Faults())
    stored = {i["pk"]["S"] for i in boto_client(endpoint).scan(TableName=table)["Items"]}
    assert stored == {"drop_after"}  # forwarded, then the answer was lost


# -- units: retry, backoff, token bucket, AIMD, sizes -------------------------------------------


def _client_error(code: str, status: int = 400) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": f"{code} happened"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "BatchWriteItem")


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (_client_error("ProvisionedThroughputExceededException"), ErrorKind.THROTTLE),
        (_client_error("ThrottlingException"), ErrorKind.THROTTLE),
        (_client_error("RequestLimitExceeded"), ErrorKind.THROTTLE),
        (_client_error("InternalServerError", 500), ErrorKind.TRANSIENT),
        (_client_error("Whatever", 503), ErrorKind.TRANSIENT),
        (ConnectionClosedError(endpoint_url="http://x"), ErrorKind.TRANSIENT),
        (EndpointConnectionError(endpoint_url="http://x"), ErrorKind.TRANSIENT),
        (ReadTimeoutError(endpoint_url="http://x"), ErrorKind.TRANSIENT),
        (TransientError("slow", code="ThrottlingException"), ErrorKind.THROTTLE),
        (_client_error("ValidationException"), ErrorKind.TERMINAL),
        (_client_error("ResourceNotFoundException"), ErrorKind.TERMINAL),
        (_client_error("AccessDeniedException"), ErrorKind.TERMINAL),
        (ValueError("bug"), ErrorKind.TERMINAL),
    ],
)
def test_classify_by_class_and_code(exc: Exception, kind: ErrorKind) -> None:
    assert classify(exc) is kind


def test_backoff_is_full_jitter_and_seeded() -> None:
    a = RetryPolicy(base_s=0.1, cap_s=2.0, rng=random.Random(9))
    b = RetryPolicy(base_s=0.1, cap_s=2.0, rng=random.Random(9))
    delays = [a.backoff(n) for n in range(12)]
    assert delays == [b.backoff(n) for n in range(12)]
    assert all(0 <= d <= min(2.0, 0.1 * 2**n) for n, d in enumerate(delays))
    assert max(delays[6:]) > 0.5  # the ceiling has grown to the cap
    assert a.backoff(10_000) <= 2.0


def test_retry_call_retries_transient_then_gives_up_or_stops_at_once() -> None:
    slept: list[float] = []
    policy = RetryPolicy(base_s=0.01, cap_s=0.05, max_attempts=4, rng=random.Random(0), sleep=slept.append)
    calls: list[int] = []
    seen: list[ErrorKind] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _client_error("ThrottlingException")
        return "ok"

    assert retry_call(flaky, policy=policy, operation="PutItem", on_retry=lambda k, _e: seen.append(k)) == "ok"
    assert len(calls) == 3 and seen == [ErrorKind.THROTTLE] * 2 and len(slept) == 2

    def always_500() -> None:
        raise _client_error("InternalServerError", 500)

    with pytest.raises(TransientError, match="still failing after 4 attempts"):
        retry_call(always_500, policy=policy, operation="PutItem", table="t1")

    calls.clear()

    def missing() -> None:
        calls.append(1)
        raise _client_error("ResourceNotFoundException")

    with pytest.raises(TargetError, match="table 't1' does not exist") as caught:
        retry_call(missing, policy=policy, operation="PutItem", table="t1")
    assert len(calls) == 1 and not isinstance(caught.value, TransientError)


def test_retry_call_respects_the_deadline() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    policy = RetryPolicy(base_s=1.0, cap_s=8.0, max_attempts=1000, deadline_s=20.0, sleep=sleep, clock=lambda: now[0])

    def down() -> None:
        raise EndpointConnectionError(endpoint_url="http://x")

    with pytest.raises(TransientError):
        retry_call(down, policy=policy, operation="DescribeTable")
    assert now[0] == pytest.approx(20.0)


def test_token_bucket_caps_across_threads() -> None:
    bucket = TokenBucket(1000.0)
    started = time.monotonic()

    def take() -> None:
        for _ in range(25):
            bucket.acquire(10)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # 1000 tokens at 1000/s, starting empty: at least a second (minus the last reservation's own wait).
    assert time.monotonic() - started >= 0.8


def test_token_bucket_settles_debt_and_refunds() -> None:
    now = [0.0]
    bucket = TokenBucket(100.0, clock=lambda: now[0], sleep=lambda s: None)
    assert bucket.reserve(50) == pytest.approx(0.5)
    bucket.settle(50)  # the response said it cost twice the estimate
    assert bucket.reserve(1) == pytest.approx(1.01)
    bucket.settle(-101)  # refund everything: back to empty, not above
    assert bucket.available == pytest.approx(0.0)
    now[0] = 10.0
    assert bucket.available == pytest.approx(100.0)  # refills up to the burst only


def test_aimd_halves_once_per_burst_and_adds_back_one() -> None:
    limiter = AimdLimiter(8, increase_after=3)
    tokens = [limiter.acquire() for _ in range(8)]
    for token in tokens:  # eight throttles sent under the same limit: one cut
        limiter.release(token, throttled=True)
    assert limiter.limit == 4 and limiter.decreases == 1
    limiter.release(limiter.acquire(), throttled=True)
    assert limiter.limit == 2
    for _ in range(6):
        limiter.release(limiter.acquire(), throttled=False)
    assert limiter.limit == 4 and limiter.increases == 2 and limiter.lowest == 2
    for _ in range(3):
        limiter.release(limiter.acquire(), throttled=True)
    assert limiter.limit == 1  # never below the minimum
    assert limiter.limit >= limiter.minimum


def test_item_size_and_wcu_estimates() -> None:
    assert item_size({"id": {"S": "abc"}}) == 5
    assert item_size({"n": {"N": "12345"}}) == 1 + 4  # 5 significant digits: 3 bytes, plus 1
    assert item_size({"b": {"B": b"abcdef"}}) == item_size({"b": {"B": "YWJjZGVm"}}) == 1 + 6  # raw or base64
    assert item_size({"x": {}}) == 1  # untyped: DynamoDB's to refuse, the estimate counts the name only
    assert item_size({"m": {"M": {"a": {"BOOL": True}}}}) == 1 + 3 + 1 + 1 + 1
    assert item_size({"é": {"S": "é"}}) == 4
    assert estimate_wcu([{"pk": {"S": "x" * 1023}}]) == 2
    assert estimate_wcu([{"pk": {"S": "x"}}] * 3) == 3
    assert estimate_wcu([make_item(0, pad=1200)]) == 2


@pytest.mark.dynamodb
def test_concurrency_above_the_pool_is_clamped_with_a_warning(endpoint: str) -> None:
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(max_pool_connections=4),
    )
    reporter = RecordingReporter()
    with BatchWriter(client, concurrency=16, reporter=reporter) as writer:
        assert writer.stats().concurrency == 4
    assert any("exceeds the client's 4 pooled connections" in m for m in reporter.messages("warning"))
