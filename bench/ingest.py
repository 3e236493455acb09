"""Benchmark: raw ingest rate of ``BatchWriter`` against DynamoDB Local, next to a naive boto3 loop.

Each run writes the same generated rows (10 attributes of most types, ~250 B)
into a fresh on-demand table and prints items/s plus the CPU seconds per item
spent by this process (the client) and by the DynamoDB Local JVM (the server):
on a 2-core machine they compete, so client CPU per item matters as much as
wall time.  ``--delay-ms`` puts the fault proxy (in its own process, so its CPU
is not counted as the client's) in front of the server, adding that latency to
every round trip.  Prints figures; asserts nothing (the machine is shared and
noisy: compare runs, not thresholds).

    .venv/bin/python bench/ingest.py [--items 50000] [--concurrency 8] [--delay-ms 10]
                                     [--endpoint http://127.0.0.1:8000]

Without ``--endpoint`` an in-memory DynamoDB Local is started on a free port in
a temporary ``SQL2DYNAMO_HOME`` and stopped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config

from sql2dynamo.migrate.writer import BatchWriter, writer_client_config
from sql2dynamo.testing.dynamodb import cpu_seconds, running_local, use_throwaway_home
from sql2dynamo.testing.proxy import delay_proxy_process

Item = dict[str, Any]
CREDS = {"region_name": "us-east-1", "aws_access_key_id": "bench", "aws_secret_access_key": "bench"}


def make_item(i: int) -> Item:
    """A row-like low-level item."""
    return {
        "pk": {"S": f"order#{i:08d}"},
        "customer": {"S": f"customer#{i % 5000:06d}"},
        "status": {"S": ("NEW", "PAID", "SHIPPED", "DELIVERED")[i % 4]},
        "total": {"N": f"{(i * 37) % 100000 / 100:.2f}"},
        "quantity": {"N": str(i % 17 + 1)},
        "created_at": {"S": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}T12:{i % 60:02d}:00Z"},
        "paid": {"BOOL": i % 4 != 0},
        "note": {"S": f"order number {i} for the benchmark, with a little text in it"},
        "tags": {"SS": ["bench", f"t{i % 7}"]},
        "address": {"M": {"city": {"S": "Lyon"}, "zip": {"S": f"{69000 + i % 9:05d}"}}},
    }


@contextlib.contextmanager
def dynamodb_local() -> Iterator[tuple[str, int | None]]:
    """An in-memory DynamoDB Local in a throwaway home: (endpoint URL, JVM pid)."""
    with tempfile.TemporaryDirectory(prefix="s2d-bench-") as home:
        use_throwaway_home(Path(home))
        with running_local(in_memory=True) as instance:
            yield instance.endpoint_url, instance.pid


def create_table(url: str, prefix: str) -> str:
    """A fresh on-demand table with hash key ``pk``."""
    name = f"bench-{prefix}-{uuid.uuid4().hex[:8]}"
    client = boto3.client("dynamodb", endpoint_url=url, **CREDS)  # type: ignore[call-overload]
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def measure(name: str, count: int, pid: int | None, run: Callable[[], None]) -> dict[str, Any]:
    """Run once; wall time, items/s, client and server CPU per item."""
    jvm_before, cpu_before, started = cpu_seconds(pid), time.process_time(), time.perf_counter()
    run()
    wall = time.perf_counter() - started
    client_us = (time.process_time() - cpu_before) / count * 1e6
    server_us = (cpu_seconds(pid) - jvm_before) / count * 1e6
    return {"run": name, "seconds": wall, "items_s": count / wall, "client_us": client_us, "server_us": server_us}


def naive(url: str, items: list[Item]) -> Callable[[], None]:
    """boto3's resource ``batch_writer`` in one thread, as the docs show it (Python-typed items)."""
    table_name = create_table(url, "naive")
    deserializer = TypeDeserializer()
    native = [{k: deserializer.deserialize(v) for k, v in item.items()} for item in items]
    table = boto3.resource("dynamodb", endpoint_url=url, **CREDS).Table(table_name)  # type: ignore[call-overload]

    def run() -> None:
        with table.batch_writer() as batch:
            for item in native:
                batch.put_item(Item=item)

    return run


def with_writer(url: str, items: list[Item], concurrency: int, *, fast: bool, batch: int = 1000) -> Callable[[], None]:
    """``BatchWriter.write_many`` over batches of ``batch`` items (as the migrate readers will hand them)."""
    table_name = create_table(url, "writer")
    config = writer_client_config(concurrency, Config(connect_timeout=3, read_timeout=60))
    client = boto3.client("dynamodb", endpoint_url=url, config=config, **CREDS)  # type: ignore[call-overload]

    def run() -> None:
        with BatchWriter(client, concurrency=concurrency, fast_encoding=fast) as writer:
            result = writer.write_many((table_name, items[i : i + batch]) for i in range(0, len(items), batch))
        if result.written != len(items):
            raise SystemExit(f"lost items: wrote {result.written} of {len(items)}")

    return run


def main() -> None:
    """Parse options, run each variant once, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="latency the proxy adds to every round trip")
    parser.add_argument("--endpoint", help="an already running DynamoDB Local (default: start one)")
    parser.add_argument("--warmup", type=int, default=20_000, help="items written first to warm the JVM up")
    args = parser.parse_args()

    items = [make_item(i) for i in range(args.items)]
    with contextlib.ExitStack() as stack:
        if args.endpoint:
            url, pid = args.endpoint, None
        else:
            url, pid = stack.enter_context(dynamodb_local())
        if args.delay_ms:
            url = stack.enter_context(delay_proxy_process(url, args.delay_ms))
        if args.warmup:
            with_writer(url, [make_item(i) for i in range(args.warmup)], args.concurrency, fast=True)()
        runs = [
            measure("naive boto3 batch_writer, 1 thread", len(items), pid, naive(url, items)),
            measure(
                f"BatchWriter x{args.concurrency}, botocore serializer",
                len(items),
                pid,
                with_writer(url, items, args.concurrency, fast=False),
            ),
            measure(
                f"BatchWriter x{args.concurrency}",
                len(items),
                pid,
                with_writer(url, items, args.concurrency, fast=True),
            ),
        ]
    where = f"DynamoDB Local{f' + {args.delay_ms:g} ms proxy' if args.delay_ms else ''}"
    print(f"{args.items:,} items into {where}, {os.cpu_count()} CPUs")
    print(f"{'run':<44} {'seconds':>8} {'items/s':>9} {'client us/item':>15} {'server us/item':>15}")
    for r in runs:
        print(
            f"{r['run']:<44} {r['seconds']:>8.2f} {r['items_s']:>9,.0f} {r['client_us']:>15.0f} "
            f"{r['server_us'] if pid else float('nan'):>15.0f}"
        )


if __name__ == "__main__":
    main()
