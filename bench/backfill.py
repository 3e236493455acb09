"""Benchmark: backfill throughput of ``sql2dynamo migrate`` next to a hand-written script and the server's limit.

What it does, in one run:

1. creates a fresh PostgreSQL database on 127.0.0.1 (user ``postgres``, trust
   auth), fills it with AlgoItny's tables for about ``--rows`` rows in all (the
   generator's ``rows`` is the number of users; every user brings ~19 rows:
   0.5 problems, ~2.25 test cases, 5 search-history rows, 10 usage logs, 0.25
   jobs), runs ``analyze`` and a multi-table ``design`` with the example's
   ``access_patterns.yaml``; the database is dropped at the end.  The items of
   the server-limit run are encoded here, before any timing;
2. measures items/s for three runs, each against its OWN fresh DynamoDB Local:
   a new JVM on a free port, started by one function with the same command
   line for every run (``-inMemory -sharedDb``, no extra JVM options; the
   command lines are compared and printed), the model deployed into it, then
   ``--warmup`` items written into look-alike ``warmup_*`` tables (same keys and
   GSIs) so that no run pays the JIT's warm-up alone, then the measured run,
   then the JVM is stopped.  (One shared JVM is not usable: its CPU per item
   grows after every ``DeleteTable``, so later runs looked slower.)

   * **migrate**: the ``migrate`` command function in a child process; its
     items/s is ``MigrateResult.totals()`` (items over the command's wall time,
     opening the source included) and its peak memory is the child's own
     ``VmHWM`` (interpreter and imports included; see ``run_migrate_child``);
   * **baseline**: what the AlgoItny team's migrate script does (its implementation summary), single-threaded:
     SQLAlchemy ``SELECT *`` ordered by the primary key with ``fetchmany``, and
     boto3's resource ``Table.batch_writer()`` with Python-typed items.  To write
     the *same* items, each row goes through the project's ``ItemBuilder`` and
     the low-level item is converted to Python types (Decimal numbers) with
     boto3's ``TypeDeserializer``, inside the timed loop (standing in for the
     seed script's own dict building).  Parents of denormalized attributes are
     fetched per batch with one ``IN`` query, as migrate does.  It stops after
     ``--baseline-seconds`` (300): writing table after table, its cost per item
     on DynamoDB Local only grows (see below), so at 1M rows it would run for
     hours, and its rate over the first five minutes makes ``migrate /
     baseline`` a lower bound;
   * **server limit**: the same items, pre-encoded as BatchWriteItem JSON
     bodies of 25 puts, sent from a thread pool over keep-alive
     ``http.client`` connections with one static set of headers (a static
     ``Authorization`` header: DynamoDB Local does not verify signatures, which
     is checked with one call first); ``UnprocessedItems`` are resent.  It is
     the most this DynamoDB Local can ingest on this machine with the least
     client work;

3. repeats the three runs with the fault proxy (``sql2dynamo.testing.proxy``, a
   separate process, so its CPU is not the client's) between client and
   server, adding ``--delay-ms`` to every round trip: every run gets its own
   proxy in front of its own fresh DynamoDB Local, started the same way.

Reading the ratios: ``migrate / server limit`` is the share of the server's
ingest rate migrate reaches (the limit run reads and transforms nothing, so on
2 cores shared by the JVM, PostgreSQL and the client it is an upper bound).
``migrate / baseline`` is the speed-up over the hand-written script; with latency
it mostly shows how concurrency hides round trips.  Also printed: CPU
microseconds per item of the client process and of the DynamoDB Local JVM (to
see who spends the CPU), the load average around each run (the machine may be
shared), and every target with MET / MISSED.  Asserts nothing.

    .venv/bin/python bench/backfill.py [--rows 1000000] [--delay-ms 10] [--concurrency 8] [--segments 4]
    .venv/bin/python bench/backfill.py --rows 30000       # about 5 minutes; the default 1M: about 35

What the figures showed (2026-11-22, default --rows 1000000: 1,000,455 rows,
1,121,406 items into 12 tables; load average 1.2-2.3 during the runs):

    direct:  migrate 4,070 items/s, server limit 4,847, baseline 283 (its first 89,336 items)
             migrate / limit 0.84 (target 0.75), migrate / baseline 14.4 (target 3, a lower bound)
    +10 ms:  migrate 3,468, server limit 4,858, baseline 274 (its first 86,336 items)
             migrate / baseline 12.7 (target 6, a lower bound), migrate / limit 0.71
    migrate's peak RSS 171 MiB (target 300 MiB)
    server CPU per item: migrate 273 us, limit 252, baseline 3,374; client: 85, 10, 177

Re-run on 2026-11-22 after the module splits, defaults, load 1.4-2.1 (this
shared machine's DynamoDB Local spent ~1.7x the CPU per item of the run above):

    direct:  migrate 2,408 items/s, server limit 2,830, baseline 250 (its first 78,336 items)
             migrate / limit 0.85, migrate / baseline 9.6
    +10 ms:  migrate 2,160, server limit 2,663, baseline 246; migrate / baseline 8.8, / limit 0.81
    migrate's peak RSS 172 MiB
    server CPU per item: migrate 440 us, limit 422, baseline 3,711; client: 160, 20, 306

Re-run on 2026-12-05 on the submitted code, defaults, load 0.7-2.7:

    direct:  migrate 3,964 items/s, server limit 4,703, baseline 268 (its first 83,336 items)
             migrate / limit 0.84, migrate / baseline 14.8
    +10 ms:  migrate 3,483, server limit 4,587, baseline 275; migrate / baseline 12.7, / limit 0.76
    migrate's peak RSS 172 MiB
    server CPU per item: migrate 281 us, limit 257, baseline 3,553; client: 86, 10, 191

A run with other work on the machine during migrate's run gave 0.72 of the
limit, and ``--baseline-seconds 120`` a faster baseline (446 items/s, its
first 61,648 items): keep the machine quiet and the default time box.

Before this session's changes (2026-11-21, --rows 30000): migrate 1,177
items/s against a limit of 3,057 (0.39).

DynamoDB Local, not the client, is the bottleneck, and its CPU per item
depends on the order of the writes.  The model enables streams on every
entity table, and for every write DynamoDB Local's stream emulation runs
``SELECT MIN(SequenceNumber) FROM us WHERE StreamID = ?`` over one SQLite
table holding every stream's records, with no index on ``StreamID`` (seen
with jstack, and in the schema of a ``-dbPath`` database file): the scan
passes every record written before the table's own first record.  A table
first written after 30,000 items of other tables cost it 5 ms of CPU per
item instead of 0.7 (the same bodies, table after table: 498 items/s;
interleaved: 4,320).  Hence the limit run interleaves the tables body by
body; migrate's readers take turns on every segment of every table, largest
table first with a 25-row first turn (``migrate/rotation.py``); and the
hand-written baseline, which goes table after table, pays the most and gets
slower the longer it runs (3.4 ms of server CPU per item in its first five
minutes at 1M rows).  Steps, at 30,000 rows: one segment per reader thread
1,177 items/s (0.39 of the limit); turns over all segments 2,266 (0.55);
consumed capacity asked on a sample of requests instead of all
(``ReturnConsumedCapacity=TOTAL`` added a third to the server's CPU per item:
359 -> 480 us with the limit run's bodies) 2,825 (0.56, limit 5,061); a
short first turn 3,446 (0.75).  At 1M rows the PostgreSQL tables had no
planner estimate yet (never analyzed), so the largest tables came last in
the first pass: 3,708 (0.75); with the statistics system's live-row count as
the fallback estimate, 4,070 (0.84).  On-disk storage (``--storage disk``)
is slower than ``-inMemory``.  py-spy on the migrate child: its threads
mostly wait on socket reads and on the writer's in-flight limit.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import sqlalchemy as sa
from boto3.dynamodb.types import TypeDeserializer

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.design import design
from sql2dynamo.commands.migrate import migrate
from sql2dynamo.common.reporting import PlainReporter, RecordingReporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.examples import get_example
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.target import local
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import cpu_seconds, free_port, running_local, use_throwaway_home
from sql2dynamo.testing.proxy import delay_proxy_process

Item = dict[str, Any]
Batch = list[tuple[str, Item]]
CREDS = {"region_name": "us-east-1", "aws_access_key_id": "local", "aws_secret_access_key": "local"}
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Rows per AlgoItny user: 1 user + 0.5 problems + ~2.25 test cases + 5 history + 10 usage logs + 0.25 jobs.
ROWS_PER_USER = 19.0
FETCH = 1000
STARTED = time.monotonic()
ROOT = Path(__file__).resolve().parent.parent


def say(message: str) -> None:
    """A progress line with the seconds since start (stderr, so the figures on stdout stay clean)."""
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ fixtures: database, model, servers


@contextlib.contextmanager
def fresh_database(name: str) -> Iterator[str]:
    """A new PostgreSQL database; its URL.  Dropped (connections forced out) at the end."""
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        say(f"dropped database {name}")


@dataclass(frozen=True)
class Server:
    """One fresh DynamoDB Local: its URL, JVM pid and command line (the port replaced by ``PORT``)."""

    url: str
    pid: int
    command: str


@contextlib.contextmanager
def fresh_local(storage: str = "memory") -> Iterator[Server]:
    """A new DynamoDB Local on a free port, stopped at the end: every measured run gets its own.

    ``storage`` is ``memory`` (``-inMemory``) or ``disk`` (``-dbPath``, a new
    directory under the throwaway home, deleted afterwards).  ``main`` points
    ``SQL2DYNAMO_HOME`` at a throwaway directory and clears the
    extra-JVM-options variable first, so every instance starts the same way.
    """
    port = free_port()
    data_dir = None if storage == "memory" else local.state_dir() / f"bench-data-{port}"
    try:
        with running_local(port=port, in_memory=data_dir is None, data_dir=data_dir) as instance:
            raw = Path(f"/proc/{instance.pid}/cmdline").read_bytes().split(b"\0")
            args = [a.decode() for a in raw if a]
            command = " ".join("PORT" if a == str(instance.port) else a for a in args)
            if data_dir is not None:
                command = command.replace(str(data_dir), "DATA_DIR")
            yield Server(instance.endpoint_url, instance.pid, command)
    finally:
        if data_dir is not None:
            shutil.rmtree(data_dir, ignore_errors=True)


def prepare(source_url: str, users: int, work: Path) -> tuple[dict[str, int], DataModel]:
    """Generate the rows, analyze the database, design the multi-table model into ``work``."""
    example = get_example("algoitny")
    engine = sa.create_engine(source_url)
    try:
        counts = example.generate(engine, users)
    finally:
        engine.dispose()
    say(f"generated {sum(counts.values()):,} rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    quiet = RecordingReporter()
    analyze(source_url, out_dir=work, reporter=quiet)
    patterns = work / "access_patterns.yaml"
    patterns.write_text(example.access_patterns.read_text())
    design(work / "schema.json", patterns, out_dir=work, reporter=quiet, confirm=lambda gate, question: True)
    _, model = load_model(work)
    tables = ", ".join(f"{t.name} ({len(t.indexes)} idx)" for t in model.tables)
    say(f"analyzed and designed: {len(model.tables)} tables: {tables}")
    return counts, model


def deploy_model(work: Path, url: str) -> None:
    """Create the model's tables in a fresh DynamoDB Local."""
    deploy(work, url, reporter=RecordingReporter())


def warm_up(url: str, model: DataModel, bodies: list[tuple[bytes, int]], items: int, threads: int) -> None:
    """Write about ``items`` of the bench's items into ``warmup_<table>`` copies (same keys and GSIs), untimed.

    A fresh JVM runs interpreted code at first; without this the shortest run
    would pay the most for it.  The real tables stay empty.
    """
    if items <= 0 or not bodies:
        return
    client = boto3.client("dynamodb", endpoint_url=url, **CREDS)  # type: ignore[call-overload]
    for table in model.tables:
        desc = client.describe_table(TableName=table.name)["Table"]
        spec: dict[str, Any] = {
            "TableName": f"warmup_{table.name}",
            "KeySchema": desc["KeySchema"],
            "AttributeDefinitions": desc["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        if desc.get("GlobalSecondaryIndexes"):
            spec["GlobalSecondaryIndexes"] = [
                {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
                for g in desc["GlobalSecondaryIndexes"]
            ]
        client.create_table(**spec)
    step = max(1, len(bodies) * 25 // items)
    prefix = b'{"RequestItems":{"'
    chosen = [(prefix + b"warmup_" + body[len(prefix) :], n) for body, n in bodies[::step]]
    server_limit(url, chosen, threads)


def key_names(model: DataModel) -> dict[str, list[str]]:
    """Per DynamoDB table, its key attribute names (hash first)."""
    return {t.name: [t.pk.attribute] + ([t.sk.attribute] if t.sk else []) for t in model.tables}


# ------------------------------------------------------------------ reading rows into items (seed style)


def iter_items(source_url: str, builder: ItemBuilder) -> Iterator[Batch]:
    """Per ``fetchmany`` batch of every source table, its items: ``SELECT *`` ordered by the primary key.

    Denormalized attributes need their parent row: one ``IN`` query per batch
    and parent, as migrate does, so both sides do the same reading work.
    """
    engine = sa.create_engine(source_url)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    try:
        with engine.connect() as conn:
            for name in builder.source_tables:
                table = metadata.tables[name]
                joins = builder.joins(name)
                query = sa.select(table).order_by(*table.primary_key.columns)
                # stream_results: a server-side cursor, so fetchmany does not hold the whole table in memory.
                result = conn.execution_options(stream_results=True, yield_per=FETCH).execute(query).mappings()
                while fetched := result.fetchmany(FETCH):
                    rows = [dict(r) for r in fetched]  # plain dicts, as a seed script hands rows around
                    parents = _parents(engine, metadata, joins, rows)
                    out: Batch = []
                    for row in rows:
                        related = {p: parents[p].get(row[j.local_column]) for p, j in joins.items()} if joins else None
                        out.extend(builder.items_for(name, row, related).items)
                    yield out
    finally:
        engine.dispose()


def _parents(engine: sa.Engine, metadata: sa.MetaData, joins: dict[str, Any], rows: Any) -> dict[str, dict[Any, Any]]:
    found: dict[str, dict[Any, Any]] = {}
    for parent, join in joins.items():
        values = list({row[join.local_column] for row in rows if row[join.local_column] is not None})
        table = metadata.tables[parent]
        found[parent] = {}
        if values:
            with engine.connect() as conn:
                for row in conn.execute(sa.select(table).where(table.c[join.source_column].in_(values))).mappings():
                    found[parent].setdefault(row[join.source_column], dict(row))
    return found


def baseline(source_url: str, url: str, model: DataModel, seconds: float | None = None) -> tuple[int, bool]:
    """The AlgoItny team's way: one thread, SQLAlchemy reads, ``Table.batch_writer()`` with Python-typed items.

    Stops after the batch that passes ``seconds`` (then flushes what the
    writers hold).  Returns the items written and whether the time box ended
    the run before the last row.
    """
    builder = ItemBuilder(model)
    deadline = time.perf_counter() + seconds if seconds else None
    keys = key_names(model)
    resource_api = boto3.resource("dynamodb", endpoint_url=url, **CREDS)  # type: ignore[call-overload]
    deserialize = TypeDeserializer().deserialize
    written = 0
    with contextlib.ExitStack() as stack:
        # overwrite_by_pkeys: a duplicate key inside one buffer would fail the whole batch (migrate dedups too).
        writers = {t: stack.enter_context(resource_api.Table(t).batch_writer(overwrite_by_pkeys=keys[t])) for t in keys}
        for batch in iter_items(source_url, builder):
            for table, item in batch:
                writers[table].put_item(Item={k: deserialize(v) for k, v in item.items()})
            written += len(batch)
            if deadline is not None and time.perf_counter() > deadline:
                return written, True
    return written, False


# ------------------------------------------------------------------ the server's ingest limit


def encode_bodies(source_url: str, model: DataModel) -> tuple[list[tuple[bytes, int]], int]:
    """Every item as (BatchWriteItem body, its put count): up to 25 puts to one table, keys unique in a body.

    The bodies of the tables are interleaved (see the end).
    """
    builder = ItemBuilder(model)
    keys = key_names(model)
    pending: dict[str, dict[tuple[str, ...], Item]] = {t: {} for t in keys}
    bodies: list[tuple[bytes, int]] = []
    items = 0

    def flush(table: str) -> None:
        nonlocal items
        puts = [{"PutRequest": {"Item": item}} for item in pending[table].values()]
        bodies.append((json.dumps({"RequestItems": {table: puts}}, separators=(",", ":")).encode(), len(puts)))
        items += len(puts)
        pending[table] = {}

    for batch in iter_items(source_url, builder):
        for table, item in batch:
            key = tuple(json.dumps(item[k], sort_keys=True) for k in keys[table])
            pending[table][key] = item
            if len(pending[table]) == 25:
                flush(table)
    for table in keys:
        if pending[table]:
            flush(table)
    # Interleaved across tables, as migrate's segments of every table run at once: sent table after
    # table, 8 threads all hit one table (and its GSIs), which DynamoDB Local ingests much more slowly.
    per_table: dict[bytes, list[tuple[bytes, int]]] = {}
    for body, count in bodies:
        per_table.setdefault(body[: body.index(b'":[')], []).append((body, count))
    mixed = [b for group in itertools.zip_longest(*per_table.values()) for b in group if b is not None]
    return mixed, items


@dataclass
class LimitOutcome:
    """Items confirmed by the server limit run, and how many came back unprocessed (and were resent)."""

    items: int = 0
    unprocessed: int = 0
    throttled: int = 0


def static_headers(url: str) -> dict[str, str]:
    """Headers for every call: a fixed SigV4-shaped Authorization (DynamoDB Local does not verify it)."""
    date = time.strftime("%Y%m%d")
    return {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.BatchWriteItem",
        "X-Amz-Date": f"{date}T000000Z",
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential=local/{date}/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
        ),
        "Host": urlsplit(url).netloc,
    }


def check_static_auth(url: str) -> None:
    """One call with the static headers: DynamoDB Local must accept it, or the limit run would measure errors."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30)
    headers = dict(static_headers(url), **{"X-Amz-Target": "DynamoDB_20120810.ListTables"})
    conn.request("POST", "/", body=b"{}", headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"DynamoDB Local refused the static Authorization header: {response.status} {body[:300]!r}")


def server_limit(url: str, bodies: list[tuple[bytes, int]], threads: int) -> LimitOutcome:
    """Send every body from ``threads`` threads, each on its own keep-alive connection; resend unprocessed items."""
    parts = urlsplit(url)
    headers = static_headers(url)
    next_index = itertools.count().__next__  # atomic under the GIL: no lock per body
    outcome = LimitOutcome()
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
        items = unprocessed = throttled = 0
        try:
            while (i := next_index()) < len(bodies):
                body, count = bodies[i]
                while body:
                    conn.request("POST", "/", body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    if response.status != 200:
                        if b"Throughput" in data or b"Throttl" in data:
                            throttled += 1
                            time.sleep(0.01)
                            continue
                        raise RuntimeError(f"BatchWriteItem failed: {response.status} {data[:300]!r}")
                    # The usual answer, compared as bytes: no JSON parsing unless something came back.
                    if data == b'{"UnprocessedItems":{}}':
                        items += count
                        break
                    left = json.loads(data).get("UnprocessedItems") or {}
                    n_left = sum(len(v) for v in left.values())
                    items += count - n_left
                    unprocessed += n_left
                    body, count = (json.dumps({"RequestItems": left}).encode() if n_left else b""), n_left
        finally:
            conn.close()
            with lock:
                outcome.items += items
                outcome.unprocessed += unprocessed
                outcome.throttled += throttled

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(worker) for _ in range(threads)]:
            future.result()
    return outcome


# ------------------------------------------------------------------ migrate, in a child process


def run_migrate_child(source_url: str, work: Path, url: str, segments: int, concurrency: int) -> dict[str, Any]:
    """``migrate`` in a child process: its totals, its peak RSS (MiB, its own report) and CPU seconds (``wait4``).

    Not ``ru_maxrss``: Linux carries the parent's resident size at the fork
    into the child's maximum across ``exec``, and this parent holds the
    server-limit run's bodies (363 MiB at 1M rows).
    """
    args = json.dumps({"source": source_url, "work": str(work), "url": url, "segments": segments, "c": concurrency})
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child-migrate", args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    out = child.stdout.read()
    # wait4, not Popen.wait: the rusage of this one child (RUSAGE_CHILDREN would mix in the JVMs and proxies).
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"migrate child failed with exit code {child.returncode}")
    total = dict(json.loads(out.strip().splitlines()[-1]))
    total["cpu_s"] = usage.ru_utime + usage.ru_stime
    return total


def child_migrate(args: dict[str, Any]) -> None:
    """The child's side: migrate (plain progress lines on stderr), then one JSON line with the totals."""
    result = migrate(
        args["source"],
        Path(args["work"]),
        args["url"],
        reporter=PlainReporter(),
        segments=args["segments"],
        concurrency=args["c"],
    )
    status = Path("/proc/self/status").read_text()
    peak_kib = int(status.split("VmHWM:")[1].split()[0])  # this image's high-water mark, since exec
    print(json.dumps({**result.totals(), "peak_rss_mib": peak_kib / 1024}), flush=True)


# ------------------------------------------------------------------ measuring


@dataclass
class Figure:
    """One measured run."""

    name: str
    items: int
    seconds: float
    client_cpu_s: float
    jvm_cpu_s: float
    load: tuple[float, float, float]
    command: str
    peak_rss_mib: float | None = None
    extra: str = ""

    @property
    def items_s(self) -> float:
        """Items per second."""
        return self.items / self.seconds if self.seconds > 0 else 0.0


Run = Callable[[str], tuple[int, float | None, float | None, str, float | None]]
"""A run against an URL: (items, its own seconds or None for wall time, its own CPU s or None, extra, peak RSS)."""


def measure(name: str, server: Server, url: str, run: Run) -> Figure:
    """Run once against ``url`` (the server's, or a proxy in front of it) and take the figures."""
    load = os.getloadavg()
    jvm_before, cpu_before, started = cpu_seconds(server.pid), time.process_time(), time.perf_counter()
    items, own_seconds, own_cpu, extra, rss = run(url)
    wall = time.perf_counter() - started
    figure = Figure(
        name=name,
        items=items,
        seconds=own_seconds if own_seconds is not None else wall,
        client_cpu_s=own_cpu if own_cpu is not None else time.process_time() - cpu_before,
        jvm_cpu_s=cpu_seconds(server.pid) - jvm_before,
        load=(load[0], load[1], load[2]),
        command=server.command,
        peak_rss_mib=rss,
        extra=extra,
    )
    say(f"{name}: {figure.items:,} items in {figure.seconds:.1f} s = {figure.items_s:,.0f} items/s {extra}")
    return figure


def run_set(
    label: str,
    delay_ms: float,
    work: Path,
    source_url: str,
    model: DataModel,
    bodies: list[tuple[bytes, int]],
    args: argparse.Namespace,
) -> list[Figure]:
    """migrate, baseline and server limit, each on a fresh DynamoDB Local (behind its own proxy if ``delay_ms``)."""
    say(f"--- {label} ---")

    def do_migrate(url: str) -> tuple[int, float | None, float | None, str, float | None]:
        total = run_migrate_child(source_url, work, url, args.segments, args.concurrency)
        extra = f"(failed {total['failed']}, rejected {total['rejected']})"
        return int(total["items"]), float(total["seconds"]), float(total["cpu_s"]), extra, total["peak_rss_mib"]

    def do_baseline(url: str) -> tuple[int, float | None, float | None, str, float | None]:
        written, boxed = baseline(source_url, url, model, args.baseline_seconds)
        return written, None, None, "(time-boxed: the first items only)" if boxed else "", None

    def do_limit(url: str) -> tuple[int, float | None, float | None, str, float | None]:
        check_static_auth(url)
        out = server_limit(url, bodies, args.concurrency)
        return out.items, None, None, f"(unprocessed resent {out.unprocessed}, throttled {out.throttled})", None

    runs: list[tuple[str, Run]] = [
        (f"migrate x{args.concurrency} writers, {args.segments} segments", do_migrate),
        ("baseline: hand-written, 1 thread", do_baseline),
        (f"server limit: pre-encoded, {args.concurrency} threads", do_limit),
    ]
    figures = []
    for name, run in runs:
        with fresh_local(args.storage) as server:
            deploy_model(work, server.url)
            warm_up(server.url, model, bodies, args.warmup, args.concurrency)
            say(f"{label}: {name} (DynamoDB Local pid {server.pid}) ...")
            with contextlib.ExitStack() as stack:
                url = stack.enter_context(delay_proxy_process(server.url, delay_ms)) if delay_ms else server.url
                figures.append(measure(name, server, url, run))
    return figures


def report(label: str, figures: list[Figure]) -> tuple[float, float]:
    """The figures of one set; returns (migrate / server limit, migrate / baseline)."""
    print(f"\n{label}")
    header = f"  {'run':<42} {'items':>9} {'seconds':>8} {'items/s':>9} {'client us/it':>12} {'JVM us/it':>10}"
    print(f"{header} {'peak RSS':>9}  load avg before")
    for f in figures:
        client = f.client_cpu_s / f.items * 1e6 if f.items else float("nan")
        jvm = f.jvm_cpu_s / f.items * 1e6 if f.items else float("nan")
        rss = f"{f.peak_rss_mib:.0f} MiB" if f.peak_rss_mib is not None else "-"
        load = " ".join(f"{x:.2f}" for x in f.load)
        print(
            f"  {f.name:<42} {f.items:>9,} {f.seconds:>8.2f} {f.items_s:>9,.0f} {client:>12.0f} {jvm:>10.0f} "
            f"{rss:>9}  {load}  {f.extra}"
        )
    mig, base, limit = figures
    to_limit, to_base = mig.items_s / limit.items_s, mig.items_s / base.items_s
    boxed = "time-boxed" in base.extra
    bound = "  (a lower bound: the baseline was time-boxed and only slows down later)" if boxed else ""
    print(f"  migrate / server limit = {to_limit:.2f}")
    print(f"  migrate / baseline     = {to_base:.2f}{bound}", flush=True)
    return to_limit, to_base


def verdict(name: str, value: float, target: float, *, at_most: bool = False) -> None:
    """One target line: the measured value against the target, MET or MISSED."""
    met = value <= target if at_most else value >= target
    sign = "<=" if at_most else ">="
    print(f"  {name:<44} {value:>8.2f}  target {sign} {target:g}  {'MET' if met else 'MISSED'}")


def main() -> None:
    """Parse options, prepare the data and model, run both sets, print the figures and the targets."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="source rows in all, across AlgoItny's tables")
    parser.add_argument("--delay-ms", type=float, default=10.0, help="latency the proxy adds (0: no proxied set)")
    parser.add_argument("--concurrency", type=int, default=8, help="migrate's writers and the limit run's threads")
    parser.add_argument("--segments", type=int, default=4, help="migrate's reader segments per table")
    parser.add_argument("--warmup", type=int, default=20_000, help="items written before each run (untimed)")
    parser.add_argument(
        "--baseline-seconds",
        type=float,
        default=300.0,
        help="stop the hand-written baseline after this long (0: never); its rate only falls later, see the docstring",
    )
    parser.add_argument(
        "--storage", choices=["memory", "disk"], default="memory", help="DynamoDB Local's -inMemory or -dbPath"
    )
    parser.add_argument("--child-migrate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_migrate:
        child_migrate(json.loads(args.child_migrate))
        return

    users = max(10, round(args.rows / ROWS_PER_USER))
    say(f"{args.rows:,} rows requested: {users:,} AlgoItny users; {os.cpu_count()} CPUs")
    work = Path(tempfile.mkdtemp(prefix="s2d-backfill-"))
    # Every JVM runs with the same (default) options, in a home of its own.
    use_throwaway_home(work / "home")
    try:
        with fresh_database(f"s2d_backfill_{os.getpid()}") as source_url:
            counts, model = prepare(source_url, users, work)
            say("encoding BatchWriteItem bodies for the server-limit run (not timed) ...")
            bodies, n_items = encode_bodies(source_url, model)
            mib = sum(len(b) for b, _ in bodies) / 2**20
            say(f"encoded {n_items:,} items in {len(bodies):,} bodies, {mib:.0f} MiB")
            sets = [("direct", run_set("direct", 0.0, work, source_url, model, bodies, args))]
            if args.delay_ms:
                label = f"through the fault proxy, +{args.delay_ms:g} ms per round trip"
                sets.append((label, run_set(label, args.delay_ms, work, source_url, model, bodies, args)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    commands = {f.command for _, figures in sets for f in figures}
    print(
        f"\n{sum(counts.values()):,} source rows ({users:,} users), {n_items:,} items, {len(model.tables)} tables, "
        f"{os.cpu_count()} CPUs, load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"{args.warmup:,} warm-up items per run; every run on its own fresh DynamoDB Local"
    )
    print(f"DynamoDB Local command line ({'identical for all runs' if len(commands) == 1 else 'DIFFERED'}):")
    for command in sorted(commands):
        print(f"  {command}")
    ratios = {label: report(label, figures) for label, figures in sets}
    peak = max(f.peak_rss_mib or 0.0 for _, figures in sets for f in figures)
    print("\ntargets")
    to_limit, to_base = ratios["direct"]
    verdict("direct: migrate / server limit", to_limit, 0.75)
    verdict("direct: migrate / baseline", to_base, 3.0)
    if len(sets) > 1:
        verdict(f"+{args.delay_ms:g} ms: migrate / baseline", ratios[sets[1][0]][1], 6.0)
    verdict("migrate peak RSS (MiB), all runs", peak, 300.0, at_most=True)


if __name__ == "__main__":
    main()
