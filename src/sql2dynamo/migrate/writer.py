"""Write items to DynamoDB with BatchWriteItem: fast, bounded, and without losing any.

``BatchWriter`` takes items in boto3's low-level form (``{"id": {"N": "1"}}``)
from any number of threads, deduplicates them by key, sends them as PutRequests
in BatchWriteItem calls of at most 25 items on a pool of worker threads, and
retries throttled, failed and unprocessed items with backoff until every item
is either written or reported back as failed with its key and the error.  A
put overwrites, so retrying (even a request that did land) is harmless.

Two controls keep it from overrunning the target: an AIMD limit on in-flight
requests (halved on throttling, raised by one after ``increase_after``
successes) and an optional ``max_wcu`` token bucket fed by the capacity the
responses report.

Consumed capacity is asked for on every request under ``max_wcu`` and on a
sample of them otherwise (:mod:`~sql2dynamo.migrate.capacity`).

**An unreachable target** (no answer at all: refused or dropped connections,
timeouts, 5xx) is waited out, never given up item by item: while no request
has been answered since a chunk began failing, its retries are not counted
against the policy's attempts; instead, once no request of the whole writer
has been answered for ``unreachable_s`` seconds, the writer stops every table
with one ``TargetError`` saying so (the run stops, nothing unconfirmed is
checkpointed, ``--resume`` re-writes it).  While it waits, a warning line
every ``notice_s`` seconds says how long the target has been silent, so a
run is never quiet for minutes.  Only failures while other requests succeed
(one bad chunk, or throttling) count against the attempts and may end as
failed items.

Request bodies are encoded in one ``json`` call straight from the low-level
items (:mod:`~sql2dynamo.migrate.write_body`) and handed to botocore through
its documented ``before-call`` event; signing, the HTTP pool and response
parsing stay botocore's.  The client should be built with ``writer_client_config()``:
botocore's own retries off (the writer retries, and must see every throttle to
adapt) and a connection pool as large as the concurrency.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.common.errors import TargetError, UsageError
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.urls import redact_endpoint, redact_text
from sql2dynamo.migrate.capacity import CapacitySampler
from sql2dynamo.migrate.ratelimit import AimdLimiter, TokenBucket, estimate_wcu
from sql2dynamo.migrate.write_body import Item, KeySchema, dedupe, encode_request, key_of
from sql2dynamo.migrate.write_results import FailedItem, Gather, TableCounters, Tally, WriteResult, WriterStats
from sql2dynamo.target.retry import ErrorKind, RetryPolicy, classify, error_code, retry_call, terminal_error

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["DEFAULT_UNREACHABLE_S", "MAX_BATCH_ITEMS", "MAX_REQUEST_BYTES", "BatchWriter", "writer_client_config"]

MAX_BATCH_ITEMS = 25
"""DynamoDB's limit of requests per BatchWriteItem call."""

MAX_REQUEST_BYTES = 16 * 1024 * 1024
"""DynamoDB's limit on the size of one BatchWriteItem request."""

_OPERATION = "BatchWriteItem"

DEFAULT_UNREACHABLE_S = 120.0
"""How long the target may answer nothing before a run stops (it is then resumable)."""


def writer_client_config(concurrency: int = 8, base: Config | None = None) -> Config:
    """A botocore ``Config`` for the writer's client: no SDK retries, a pool of ``concurrency`` + 2.

    Merged over ``base`` (timeouts, user agent) when given.
    """
    own = Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        max_pool_connections=max(10, concurrency + 2),
    )
    return base.merge(own) if base is not None else own


class BatchWriter:
    """Thread-safe BatchWriteItem writer with retries, AIMD concurrency and an optional WCU cap.

    ``write(table, items)`` blocks until the items are written; ``submit`` returns
    a future instead so reader threads can keep reading (it blocks only when
    ``max_pending`` requests are already queued, which bounds memory).
    ``write_many`` keeps the pool busy with a stream of ``(table, items)``
    batches.  Within one call the last item with a given key wins; across
    concurrent calls no order is promised.  Use as a context manager, or call
    ``close()``.

    ``key_schema`` maps table names to their key attributes; tables not in it
    are described (DescribeTable) on first use.  A terminal error for a table
    (missing table, denied access, rejected request) raises ``TargetError`` and
    makes every later write to that table fail at once with the same error.
    ``on_progress(table, items)`` is called from the worker threads after each
    answered request with the number of items it wrote (for progress bars).
    ``capacity_sample``: without ``max_wcu``, one request in this many per
    table (and every one until a measured answer is back) asks for the
    consumed capacity (see the module).  ``unreachable_s``: how long the
    target may answer nothing before every write stops (see the module);
    ``notice_s``: the interval of the warnings while it is silent.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        *,
        concurrency: int = 8,
        max_wcu: float | None = None,
        reporter: Reporter | None = None,
        retry: RetryPolicy | None = None,
        increase_after: int = 10,
        key_schema: Mapping[str, KeySchema] | None = None,
        max_pending: int | None = None,
        where: str | None = None,
        on_progress: Callable[[str, int], None] | None = None,
        fast_encoding: bool = True,
        capacity_sample: int = 16,
        unreachable_s: float = DEFAULT_UNREACHABLE_S,
        notice_s: float = 10.0,
    ) -> None:
        if concurrency < 1:
            raise UsageError("the writer concurrency must be at least 1", hint="use --concurrency 1 or more")
        if max_wcu is not None and not max_wcu > 0:
            raise UsageError("--max-wcu must be a positive number", hint="omit it for no cap")
        if capacity_sample < 1:
            raise UsageError("capacity_sample must be 1 or more", hint="1 asks every request for its capacity")
        pool = int(getattr(client.meta.config, "max_pool_connections", 10) or 10)
        if concurrency > pool:
            # More workers than pooled connections would open and discard a connection per request.
            if reporter is not None:
                reporter.warning(
                    f"writer concurrency {concurrency} exceeds the client's {pool} pooled connections; using {pool}"
                )
            concurrency = pool
        self._client = client
        self._concurrency = concurrency
        self._retry = retry or RetryPolicy()
        self._limiter = AimdLimiter(concurrency, increase_after=increase_after)
        self._bucket = TokenBucket(max_wcu) if max_wcu is not None else None
        self._schemas: dict[str, KeySchema] = dict(key_schema or {})
        self._where = where or redact_endpoint(client.meta.endpoint_url)
        self._on_progress = on_progress
        self._lock = threading.Lock()
        self._tallies: dict[str, Tally] = {}
        self._fatal: dict[str, TargetError] = {}
        self._slots = threading.BoundedSemaphore(max_pending or concurrency * 4)
        self._outstanding = 0
        self._idle = threading.Condition(self._lock)
        self._closed = False
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="s2d-writer")
        self._tls = threading.local()
        self._hook_id = f"sql2dynamo-writer-{id(self)}"
        self._fast = fast_encoding
        self._capacity = CapacitySampler(capacity_sample, always=max_wcu is not None)
        if not unreachable_s > 0:
            raise UsageError("the unreachable-target timeout must be a positive number of seconds")
        self._unreachable_s = unreachable_s
        self._notice_s = notice_s
        self._reporter = reporter
        self._answered = self._retry.clock()  # the last time the target answered anything (or the start)
        self._noticed = self._answered
        self._down: TargetError | None = None
        if fast_encoding:
            client.meta.events.register(
                f"before-call.dynamodb.{_OPERATION}", self._inject_body, unique_id=self._hook_id
            )

    # -- public API ---------------------------------------------------------------------------

    def submit(self, table: str, items: Sequence[Item]) -> Future[WriteResult]:
        """Queue ``items`` for ``table``; the future's result says what was written and what failed.

        Raises ``TargetError`` at once if the table is known to be unusable.
        """
        if self._closed:
            raise RuntimeError("BatchWriter is closed")
        now = time.monotonic()
        with self._lock:
            tally = self._tallies.setdefault(table, Tally())
            if tally.first is None:
                tally.first = now
        self._raise_if_fatal(table)
        schema = self._schema(table)
        result = WriteResult()
        unique = dedupe(table, schema, items, result)
        if result.failed or result.duplicates:
            with self._lock:
                tally.items_failed += len(result.failed)
                tally.duplicates += result.duplicates
        chunks = [unique[i : i + MAX_BATCH_ITEMS] for i in range(0, len(unique), MAX_BATCH_ITEMS)]
        gather = Gather(result, len(chunks))
        for chunk in chunks:
            self._slots.acquire()
            with self._lock:
                self._outstanding += 1
            try:
                future = self._pool.submit(self._write_chunk, table, chunk)
            except RuntimeError:
                # Closed by another thread meanwhile: undo the bookkeeping for this chunk.
                self._chunk_done(None)
                raise
            future.add_done_callback(self._chunk_done)
            future.add_done_callback(gather.done)
        return gather.future

    def write(self, table: str, items: Sequence[Item]) -> WriteResult:
        """Write ``items`` to ``table`` and wait: every item ends up written or in ``failed``."""
        return self.submit(table, items).result()

    def write_many(self, batches: Iterable[tuple[str, Sequence[Item]]]) -> WriteResult:
        """Write a stream of ``(table, items)`` batches, keeping every worker busy; wait for all.

        On a terminal error no further batch is taken from ``batches``; the
        first error is raised once the batches already queued have finished.
        """
        futures: list[Future[WriteResult]] = []
        error: BaseException | None = None
        for table, items in batches:
            try:
                futures.append(self.submit(table, items))
            except TargetError as exc:
                # The table is unusable: stop feeding, but let what is in flight finish.
                error = exc
                break
        total = WriteResult()
        for future in futures:
            failure = future.exception()
            if failure is not None:
                error = error or failure
            else:
                total.add(future.result())
        if error is not None:
            raise error
        return total

    def flush(self) -> None:
        """Wait until every submitted item is written or failed."""
        with self._idle:
            while self._outstanding:
                self._idle.wait()

    def close(self) -> None:
        """Flush, stop the worker threads and detach from the client.  Idempotent."""
        if self._closed:
            return
        self.flush()
        self._closed = True
        self._pool.shutdown(wait=True)
        if self._fast:
            self._client.meta.events.unregister(f"before-call.dynamodb.{_OPERATION}", unique_id=self._hook_id)

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def counters(self, table: str) -> TableCounters:
        """The totals for one table (all zero if nothing was written to it)."""
        with self._lock:
            tally = self._tallies.get(table)
            return tally.snapshot(table) if tally is not None else TableCounters(table)

    def stats(self) -> WriterStats:
        """Per-table counters and the concurrency / rate limit state."""
        with self._lock:
            tables = {name: tally.snapshot(name) for name, tally in self._tallies.items()}
        limiter = self._limiter
        return WriterStats(
            tables=tables,
            concurrency=self._concurrency,
            concurrency_limit=limiter.limit,
            concurrency_min=limiter.lowest,
            limit_decreases=limiter.decreases,
            limit_increases=limiter.increases,
            peak_in_flight=limiter.peak_in_flight,
            rate_wait_s=self._bucket.waited_s if self._bucket is not None else 0.0,
        )

    # -- preparing items ----------------------------------------------------------------------

    def _schema(self, table: str) -> KeySchema:
        schema = self._schemas.get(table)
        if schema is not None:
            return schema
        try:
            described = retry_call(
                lambda: self._client.describe_table(TableName=table),
                policy=self._retry,
                operation="DescribeTable",
                table=table,
                where=self._where,
            )
        except TargetError as exc:
            with self._lock:
                self._fatal.setdefault(table, exc)
            raise
        desc = described["Table"]
        types = {d["AttributeName"]: d["AttributeType"] for d in desc.get("AttributeDefinitions", [])}
        keys = sorted(desc.get("KeySchema", []), key=lambda k: k["KeyType"] != "HASH")
        schema = tuple((k["AttributeName"], types.get(k["AttributeName"], "S")) for k in keys)
        with self._lock:
            self._schemas.setdefault(table, schema)
        return schema

    # -- sending ------------------------------------------------------------------------------

    def _write_chunk(self, table: str, items: list[Item]) -> WriteResult:
        measure = self._capacity.measure_next(table)
        body = self._encode(table, items, measure)
        if body is not None and len(body) > MAX_REQUEST_BYTES and len(items) > 1:
            half = len(items) // 2
            result = self._write_chunk(table, items[:half])
            result.add(self._write_chunk(table, items[half:]))
            return result
        result = WriteResult()
        pending = items
        started = self._retry.clock()
        stalled = 0
        attempt = 0
        while pending:
            self._raise_if_fatal(table)
            if body is None:
                body = self._encode(table, pending, measure)
            estimate = float(estimate_wcu(pending)) if self._bucket is not None else 0.0
            token = self._limiter.acquire()
            sent = self._retry.clock()
            try:
                if self._bucket is not None:
                    self._bucket.acquire(estimate)
                    sent = self._retry.clock()
                response = self._send(table, pending, body, measure)
            except Exception as exc:
                kind = classify(exc)
                self._limiter.release(token, throttled=kind is ErrorKind.THROTTLE)
                if self._bucket is not None:
                    self._bucket.settle(-estimate)
                if kind is ErrorKind.TERMINAL:
                    if not isinstance(exc, BotoCoreError | ClientError | TargetError):
                        raise
                    raise self._terminal(table, exc) from exc
                attempt += 1
                self._count(
                    table, retries=1, throttles=int(kind is ErrorKind.THROTTLE), errors=int(kind is ErrorKind.TRANSIENT)
                )
                result.retries += 1
                result.throttles += int(kind is ErrorKind.THROTTLE)
                silent = kind is ErrorKind.TRANSIENT and self._silent_since(sent, table, exc)
                if not silent:
                    # the target answers others (or throttles): this chunk's own failures count
                    stalled += 1
                    if self._retry.exhausted(stalled, started):
                        self._give_up(table, pending, exc, result)
                        break
                self._retry.pause(attempt - 1, started if not silent else self._retry.clock())
                continue
            self._heard()
            body = None
            left = response.get("UnprocessedItems", {}).get(table, [])
            self._limiter.release(token, throttled=bool(left))
            unprocessed = [request["PutRequest"]["Item"] for request in left]
            written = len(pending) - len(unprocessed)
            consumed = self._capacity.consumed(table, response, pending, unprocessed)
            if self._bucket is not None:
                self._bucket.settle(consumed - estimate)
            result.written += written
            result.wcu += consumed
            result.requests += 1
            self._count(
                table, items_written=written, wcu_consumed=consumed, requests=1, unprocessed_items=len(unprocessed)
            )
            if written and self._on_progress is not None:
                self._on_progress(table, written)
            if not unprocessed:
                break
            pending = unprocessed
            stalled = 0 if written else stalled + 1
            attempt += 1
            result.retries += 1
            self._count(table, retries=1)
            if self._retry.exhausted(stalled, started):
                self._give_up(table, pending, None, result)
                break
            self._retry.pause(attempt - 1, started)
        return result

    def _send(self, table: str, items: list[Item], body: bytes | None, measure: bool) -> Mapping[str, Any]:
        capacity: Any = "TOTAL" if measure else "NONE"
        if body is None:
            requests: list[Any] = [{"PutRequest": {"Item": item}} for item in items]
            return self._client.batch_write_item(RequestItems={table: requests}, ReturnConsumedCapacity=capacity)
        tls = self._tls
        tls.body = body
        tls.used = False
        try:
            # A minimal valid request for botocore to validate and sign; the hook swaps in the real body.
            placeholder: list[Any] = [{"PutRequest": {"Item": {}}}]
            response = self._client.batch_write_item(RequestItems={table: placeholder}, ReturnConsumedCapacity=capacity)
        finally:
            tls.body = None
        if not tls.used:
            # Something answered before botocore sent our body (a stub, another hook): never trust it.
            raise RuntimeError("the BatchWriteItem body hook was bypassed; use fast_encoding=False with this client")
        return response

    def _inject_body(self, params: dict[str, Any], **_: Any) -> None:
        body = getattr(self._tls, "body", None)
        if body is not None:
            params["body"] = body
            self._tls.used = True

    def _encode(self, table: str, items: list[Item], measure: bool) -> bytes | None:
        return encode_request(table, items, measure=measure) if self._fast else None

    # -- bookkeeping --------------------------------------------------------------------------

    def _count(self, table: str, **deltas: float) -> None:
        now = time.monotonic()
        with self._lock:
            tally = self._tallies.setdefault(table, Tally())
            for name, delta in deltas.items():
                setattr(tally, name, getattr(tally, name) + delta)
            tally.last = now

    def _give_up(self, table: str, items: list[Item], exc: BaseException | None, result: WriteResult) -> None:
        schema = self._schemas.get(table, ())
        if exc is None:
            reason = "DynamoDB kept returning the item as unprocessed until the retry policy gave up"
            code: str | None = "UnprocessedItems"
        else:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            code = error_code(exc) or type(exc).__name__
        failed = [FailedItem(table, key_of(item, schema), reason, code) for item in items]
        result.failed.extend(failed)
        self._count(table, items_failed=len(failed))

    def _terminal(self, table: str, exc: BotoCoreError | ClientError | TargetError) -> TargetError:
        error = terminal_error(exc, table=table, operation=_OPERATION, where=self._where)
        with self._lock:
            self._fatal.setdefault(table, error)
        return error

    def _heard(self) -> None:
        """The target answered: it is reachable again."""
        now = self._retry.clock()
        with self._lock:
            if self._answered < self._noticed and self._reporter is not None and self._down is None:
                self._reporter.info(f"the target {self._where} answers again")
            self._answered = self._noticed = now

    def _silent_since(self, sent: float, table: str, exc: BaseException) -> bool:
        """Whether the target has answered nothing since this failed request was ``sent``.

        Raises the writer-wide ``TargetError`` once it has answered nothing for ``unreachable_s``.
        """
        now = self._retry.clock()
        with self._lock:
            answered = self._answered
            if answered >= sent:
                return False
            silent_for = now - answered
            if silent_for >= self._unreachable_s and self._down is None:
                reason = " ".join(redact_text(str(exc)).split()) or type(exc).__name__
                self._down = TargetError(
                    f"the target {self._where} has not answered for {silent_for:.0f} s "
                    f"(unreachable-target timeout {self._unreachable_s:.0f} s; last error: {reason})",
                    hint="start the target (or fix the network), then run `migrate --resume`: "
                    "unconfirmed batches are re-written, nothing is lost",
                    table=table,
                )
            report = self._down is None and now - self._noticed >= self._notice_s
            if report:
                self._noticed = now
        down = self._down
        if down is not None:
            # a fresh error per thread: one exception object must not collect several threads' tracebacks
            raise TargetError(down.message, hint=down.hint, table=table)
        if report and self._reporter is not None:
            self._reporter.warning(
                f"the target {self._where} has not answered for {silent_for:.0f} s; retrying "
                f"(the run stops after {self._unreachable_s:.0f} s without an answer)"
            )
        return True

    def _raise_if_fatal(self, table: str) -> None:
        down = self._down
        if down is not None:
            raise TargetError(down.message, hint=down.hint, table=table)
        error = self._fatal.get(table)
        if error is not None:
            raise TargetError(error.message, hint=error.hint, table=table, **error.context.extra)

    def _chunk_done(self, _: Future[WriteResult] | None) -> None:
        self._slots.release()
        with self._idle:
            self._outstanding -= 1
            if not self._outstanding:
                self._idle.notify_all()
