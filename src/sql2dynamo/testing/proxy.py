"""A fault-injecting HTTP proxy in front of DynamoDB Local, for tests and benchmarks.

    with FaultProxy("http://127.0.0.1:8000", Faults(throttle=0.2, partial=0.3), seed=7) as proxy:
        client = boto3.client("dynamodb", endpoint_url=proxy.url, ...)

Requests are forwarded as opaque bytes (SigV4 headers included) over one
keep-alive upstream connection per client connection.  On a share of the calls
it injects, instead of forwarding:

``throttle``    HTTP 400 ``ProvisionedThroughputExceededException`` (nothing forwarded)
``error500``    HTTP 500 ``InternalServerError`` (nothing forwarded)
``drop``        the connection closes without an answer (nothing forwarded)
``drop_after``  the request is forwarded (so it lands), then the connection closes unanswered
``partial``     a BatchWriteItem is rewritten so only some of its items are forwarded; the
                rest come back as ``UnprocessedItems`` and were never written.  A BatchGetItem
                likewise: the keys held back come back as ``UnprocessedKeys``.  The rewritten
                body no longer matches its signature: DynamoDB Local does not check it.

``delay_ms`` adds latency to every call, whatever ``operations`` says.  Faults are dealt, in arrival
order, from a deck shuffled by ``random.Random(seed)``: the smallest deck in which every share is a whole
number of cards (20 for shares of 0.2/0.1/0.05/0.05/0.3), reshuffled when it runs out.  So every block of
that many calls gets each fault exactly its share: a short run cannot miss a kind by chance, and the
sequence is reproducible (which request gets which fault still depends on thread timing).  The proxy
listens on 127.0.0.1 only, uses daemon threads, ends idle connections after ``idle_timeout_s``, and shuts
itself down after ``lifetime_s`` even if nobody stops it.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import random
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

__all__ = ["FAULT_KINDS", "FaultProxy", "Faults", "deck", "delay_proxy_process", "main"]

FAULT_KINDS = ("throttle", "error500", "drop", "drop_after", "partial")

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
_NOT_COPIED_BACK = _HOP_BY_HOP | {"server", "date", "x-amz-crc32"}
_JSON = "application/x-amz-json-1.0"
_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"


@dataclass(frozen=True)
class Faults:
    """The share (0..1) of calls that get each fault, and the latency added to every call."""

    throttle: float = 0.0
    error500: float = 0.0
    drop: float = 0.0
    drop_after: float = 0.0
    partial: float = 0.0
    delay_ms: float = 0.0
    operations: frozenset[str] | None = None
    """Operations the faults apply to (like ``{"BatchWriteItem"}``); ``None`` means all of them."""

    def __post_init__(self) -> None:
        shares = [getattr(self, kind) for kind in FAULT_KINDS]
        if any(share < 0 for share in shares) or sum(shares) > 1.0 + 1e-9:
            raise ValueError("fault shares must be >= 0 and add up to at most 1")
        if self.delay_ms < 0:
            raise ValueError("delay_ms must be >= 0")


def deck(faults: Faults, *, largest: int = 1000) -> list[str | None]:
    """One unshuffled deck for ``faults``: each kind its share of the cards, ``None`` (no fault) for the rest.

    The deck is the smallest size up to ``largest`` in which every share is a whole number of cards;
    shares that never come out whole are rounded on a deck of ``largest``.
    """
    shares = [float(getattr(faults, kind)) for kind in FAULT_KINDS]
    size = next(
        (n for n in range(1, largest + 1) if all(abs(share * n - round(share * n)) < 1e-6 for share in shares)),
        largest,
    )
    cards: list[str | None] = [
        kind for kind, share in zip(FAULT_KINDS, shares, strict=True) for _ in range(round(share * size))
    ]
    return cards + [None] * max(0, size - len(cards))


class FaultProxy:
    """A threaded proxy to ``upstream`` that injects ``faults``; a context manager."""

    def __init__(
        self,
        upstream: str,
        faults: Faults | None = None,
        *,
        seed: int = 0,
        port: int = 0,
        lifetime_s: float = 600.0,
        idle_timeout_s: float = 30.0,
        max_requests_per_connection: int = 100_000,
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname or parts.port is None:
            raise ValueError(f"upstream must be http://HOST:PORT, not {upstream!r}")
        self.upstream = (parts.hostname, parts.port)
        self._wanted_port = port
        self.faults = faults or Faults()
        self.lifetime_s = lifetime_s
        self.idle_timeout_s = idle_timeout_s
        self.max_requests_per_connection = max_requests_per_connection
        self._rng = random.Random(seed)
        # Splits have their own generator so that how many partial batches came first does not move the deck.
        self._split_rng = random.Random(seed + 1)
        self._deck: list[str | None] = []
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._in_flight = 0
        self._sockets: set[socket.socket] = set()
        self._server: _Server | None = None
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()

    @property
    def port(self) -> int:
        """The port the proxy listens on (127.0.0.1)."""
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The endpoint URL to give a DynamoDB client."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        """Listen on a free port of 127.0.0.1 and serve in daemon threads."""
        server = _Server(("127.0.0.1", self._wanted_port), _Handler)
        server.proxy = self
        self._server = server
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        serving.start()
        # A forgotten proxy must not outlive the test run.
        timer = threading.Timer(self.lifetime_s, self.stop)
        timer.daemon = True
        timer.start()
        self._threads = [serving, timer]
        return self

    def stop(self) -> None:
        """Stop serving and close every connection.  Idempotent."""
        with self._lock:
            if self._stopped.is_set() or self._server is None:
                return
            self._stopped.set()
            sockets = list(self._sockets)
        server = self._server
        if threading.current_thread() is not self._threads[0]:
            server.shutdown()
        server.server_close()
        for sock in sockets:
            _shut(sock)
        timer = self._threads[1]
        if isinstance(timer, threading.Timer) and threading.current_thread() is not timer:
            timer.cancel()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_faults(self, faults: Faults) -> None:
        """Change the faults for the calls that follow (a fresh deck is dealt)."""
        with self._lock:
            self.faults = faults
            self._deck = []

    def stats(self) -> dict[str, int]:
        """Counts so far: ``requests``, ``forwarded``, one per fault kind, ``held_back_items``, ``max_in_flight``."""
        with self._lock:
            return dict(self._counts)

    def reset_stats(self) -> None:
        """Zero the counters."""
        with self._lock:
            self._counts.clear()

    # -- used by the handler threads ---------------------------------------------------------

    def _draw(self, operation: str) -> tuple[str | None, Faults]:
        with self._lock:
            faults = self.faults
            self._counts["requests"] += 1
            self._in_flight += 1
            self._counts["max_in_flight"] = max(self._counts["max_in_flight"], self._in_flight)
            if faults.operations is not None and operation not in faults.operations:
                return None, faults
            if not self._deck:
                self._deck = deck(faults)
                self._rng.shuffle(self._deck)
            kind = self._deck.pop()
            if kind is None or (kind == "partial" and operation not in ("BatchWriteItem", "BatchGetItem")):
                return None, faults
            self._counts[kind] += 1
            return kind, faults

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def _split(self, count: int) -> set[int]:
        """Which of ``count`` items a partial batch forwards: at least one is held back."""
        with self._lock:
            keep = self._split_rng.randrange(count)
            return set(self._split_rng.sample(range(count), keep))

    def _track(self, sock: socket.socket, alive: bool) -> None:
        with self._lock:
            if alive:
                self._sockets.add(sock)
            else:
                self._sockets.discard(sock)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Handler threads may sit in keep-alive reads; stop() closes their sockets instead of joining them.
    block_on_close = False
    allow_reuse_address = True
    proxy: FaultProxy


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the client's delayed ACK adds ~40 ms to each answer.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Idle keep-alive connections end after this; the handler thread with them.
        self.connection.settimeout(self.server.proxy.idle_timeout_s)
        self._upstream: http.client.HTTPConnection | None = None
        self.server.proxy._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.proxy._track(self.connection, False)
            if self._upstream is not None:
                self._upstream.close()

    def handle(self) -> None:
        # Bounded keep-alive loop: ends on close, idle timeout, proxy stop or the per-connection cap.
        proxy = self.server.proxy
        self.close_connection = True
        self.handle_one_request()
        served = 1
        while not self.close_connection and served < proxy.max_requests_per_connection:
            if proxy._stopped.is_set():
                break
            self.handle_one_request()
            served += 1

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        self._proxy()

    def do_GET(self) -> None:
        self._proxy()

    # -- one request --------------------------------------------------------------------------

    def _proxy(self) -> None:
        proxy = self.server.proxy
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._reply(411, [], b"", crc=False)
            self.close_connection = True
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0") or 0))
        operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
        fault, faults = proxy._draw(operation)
        try:
            if faults.delay_ms:
                time.sleep(faults.delay_ms / 1000.0)
            if fault == "throttle":
                self._error(
                    400,
                    "ProvisionedThroughputExceededException",
                    "Injected throttle: rate of requests exceeds the allowed throughput.",
                )
            elif fault == "error500":
                self._error(500, "InternalServerError", "Injected internal server error")
            elif fault == "drop":
                self._drop()
            elif fault == "partial" and operation == "BatchGetItem":
                self._partial_get(body)
            elif fault == "partial":
                self._partial(body)
            else:
                status, headers, data = self._forward(body)
                if fault == "drop_after":
                    self._drop()
                else:
                    self._reply(status, headers, data, crc=False)
        finally:
            proxy._done()

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        proxy = self.server.proxy
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
        for attempt in range(2):
            conn = self._upstream
            if conn is None:
                conn = self._upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for key, value in headers:
                    conn.putheader(key, value)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException):
                # A stale keep-alive connection to the server: reconnect once.
                conn.close()
                self._upstream = None
                if attempt:
                    proxy._count("upstream_errors")
                    return 502, [("Content-Type", _JSON)], _error_body("ServiceUnavailable", "upstream unreachable")
                continue
            if response.will_close:
                conn.close()
                self._upstream = None
            proxy._count("forwarded")
            return response.status, response.getheaders(), data
        raise AssertionError("unreachable")

    def _partial(self, body: bytes) -> None:
        proxy = self.server.proxy
        request = json.loads(body)
        entries = [(table, item) for table, items in request.get("RequestItems", {}).items() for item in items]
        keep = proxy._split(len(entries)) if entries else set()
        sent: dict[str, list[Any]] = {}
        held: dict[str, list[Any]] = {}
        for index, (table, item) in enumerate(entries):
            (sent if index in keep else held).setdefault(table, []).append(item)
        proxy._count("held_back_items", len(entries) - len(keep))
        if not sent:
            answer: dict[str, Any] = {"UnprocessedItems": held}
            if request.get("ReturnConsumedCapacity", "NONE") != "NONE":
                answer["ConsumedCapacity"] = [{"TableName": t, "CapacityUnits": 0.0} for t in held]
            self._reply(200, [("Content-Type", _JSON)], json.dumps(answer).encode(), crc=True)
            return
        status, headers, data = self._forward(json.dumps({**request, "RequestItems": sent}).encode())
        if status != 200:
            # The whole call failed: the client retries every item, held back or not.
            self._reply(status, headers, data, crc=False)
            return
        answer = json.loads(data)
        unprocessed = answer.get("UnprocessedItems") or {}
        for table, items in held.items():
            unprocessed.setdefault(table, []).extend(items)
        answer["UnprocessedItems"] = unprocessed
        self._reply(200, headers, json.dumps(answer).encode(), crc=True)

    def _partial_get(self, body: bytes) -> None:
        """A BatchGetItem answered for some keys only: the rest come back as ``UnprocessedKeys``."""
        proxy = self.server.proxy
        request = json.loads(body)
        tables = request.get("RequestItems", {})
        entries = [(table, key) for table, spec in tables.items() for key in spec.get("Keys", [])]
        keep = proxy._split(len(entries)) if entries else set()
        sent: dict[str, Any] = {}
        held: dict[str, Any] = {}
        for index, (table, key) in enumerate(entries):
            target = sent if index in keep else held
            target.setdefault(table, {**tables[table], "Keys": []})["Keys"].append(key)
        proxy._count("held_back_items", len(entries) - len(keep))
        if not sent:
            answer: dict[str, Any] = {"Responses": {}, "UnprocessedKeys": held}
            self._reply(200, [("Content-Type", _JSON)], json.dumps(answer).encode(), crc=True)
            return
        status, headers, data = self._forward(json.dumps({**request, "RequestItems": sent}).encode())
        if status != 200:
            self._reply(status, headers, data, crc=False)
            return
        answer = json.loads(data)
        unprocessed = answer.get("UnprocessedKeys") or {}
        for table, spec in held.items():
            unprocessed.setdefault(table, {**spec, "Keys": []})["Keys"].extend(spec["Keys"])
        answer["UnprocessedKeys"] = unprocessed
        self._reply(200, headers, json.dumps(answer).encode(), crc=True)

    def _error(self, status: int, code: str, message: str) -> None:
        self._reply(status, [("Content-Type", _JSON)], _error_body(code, message), crc=True)

    def _drop(self) -> None:
        self.close_connection = True
        _shut(self.connection)

    def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes, *, crc: bool) -> None:
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in _NOT_COPIED_BACK or (key.lower() == "x-amz-crc32" and not crc):
                self.send_header(key, value)
        if crc:
            self.send_header("x-amz-crc32", str(zlib.crc32(data) & 0xFFFFFFFF))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"__type": _ERROR_PREFIX + code, "message": message}).encode()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def delay_proxy_process(upstream: str, delay_ms: float) -> Iterator[str]:
    """This proxy in a child process (its CPU is not the caller's), adding ``delay_ms`` to every call: its URL."""
    child = subprocess.Popen(
        [sys.executable, "-m", "sql2dynamo.testing.proxy", upstream, "--delay-ms", str(delay_ms)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        assert child.stdin is not None
        child.stdin.close()  # main() serves until its stdin closes
        child.wait(10)


def main(argv: list[str] | None = None) -> int:
    """Run a proxy in its own process (benchmarks): print its URL, serve until stdin closes."""
    parser = argparse.ArgumentParser(
        prog="python -m sql2dynamo.testing.proxy", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("upstream", help="http://HOST:PORT of the DynamoDB endpoint")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--lifetime-s", type=float, default=3600.0)
    for kind in FAULT_KINDS:
        parser.add_argument(f"--{kind.replace('_', '-')}", type=float, default=0.0, metavar="SHARE")
    args = parser.parse_args(argv)
    faults = Faults(delay_ms=args.delay_ms, **{kind: getattr(args, kind) for kind in FAULT_KINDS})
    with FaultProxy(args.upstream, faults, seed=args.seed, port=args.port, lifetime_s=args.lifetime_s) as proxy:
        print(proxy.url, flush=True)
        # The parent closes our stdin (or exits) to stop us.
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
