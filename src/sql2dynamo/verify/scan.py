"""Parallel segmented Scans of one DynamoDB table: its item count, and its items as a stream.

Both split the table into ``segments`` parallel Scan segments (``Segment`` /
``TotalSegments``), one thread each.  :func:`scan_items` hands pages to the
caller through a bounded queue, so memory holds at most a few pages whatever
the table's size; the caller consumes on its own thread (a sqlite connection
belongs to one thread).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sql2dynamo.common.errors import UsageError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]
MAX_SEGMENTS = 1_000_000  # DynamoDB's limit on TotalSegments
_PAGES_PER_SEGMENT = 2  # queued pages per worker: enough to keep workers busy, small enough to bound memory
_DONE = object()


def check_segments(segments: int) -> None:
    """Refuse a segment count DynamoDB would refuse."""
    if not 1 <= segments <= MAX_SEGMENTS:
        raise UsageError(f"--segments {segments} is out of range", hint=f"use 1 to {MAX_SEGMENTS:,} segments")


def _pages(client: DynamoDBClient, table: str, segment: int, segments: int, **extra: Any) -> Iterator[dict[str, Any]]:
    args: dict[str, Any] = {"TableName": table, **extra}
    if segments > 1:
        args.update(Segment=segment, TotalSegments=segments)
    while True:
        page: dict[str, Any] = dict(client.scan(**args))
        yield page
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        args["ExclusiveStartKey"] = last


def count_items(client: DynamoDBClient, table: str, *, segments: int = 4) -> int:
    """The exact number of items in ``table``: a parallel ``Select=COUNT`` Scan, summed over segments."""
    check_segments(segments)

    def one(segment: int) -> int:
        return sum(int(p.get("Count", 0)) for p in _pages(client, table, segment, segments, Select="COUNT"))

    with ThreadPoolExecutor(max_workers=min(segments, 32)) as pool:
        return sum(pool.map(one, range(segments)))


def scan_items(
    client: DynamoDBClient, table: str, *, segments: int = 4, consistent: bool = False
) -> Generator[Item, None, None]:
    """Every item of ``table`` (all attributes), from ``segments`` parallel Scan segments, in no order.

    Errors of a worker (a botocore ``ClientError``) are raised from the
    iterator.  Closing the iterator early stops the workers after their page.
    """
    check_segments(segments)
    workers = min(segments, 32)
    pages: queue.Queue[Any] = queue.Queue(maxsize=_PAGES_PER_SEGMENT * workers)
    stop = threading.Event()

    def put(value: Any) -> bool:
        # Time-boxed puts: a consumer that went away must not leave a worker blocked forever.
        while not stop.is_set():
            try:
                pages.put(value, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def work(first: int) -> None:
        try:
            # Fewer threads than segments: each worker takes every ``workers``-th segment.
            for segment in range(first, segments, workers):
                for page in _pages(client, table, segment, segments, ConsistentRead=consistent):
                    if not put(page.get("Items", [])):
                        return
        except BaseException as exc:  # handed to the consumer, who raises it
            put(exc)
        finally:
            put(_DONE)

    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        for first in range(workers):
            pool.submit(work, first)
        running = workers
        while running:
            value = pages.get()
            if value is _DONE:
                running -= 1
            elif isinstance(value, BaseException):
                raise value
            else:
                yield from value
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
