"""Benchmark: backfill throughput of ``sql2dynamo migrate`` next to a seed-style script and the server's limit.

KNOWN ISSUE (do not trust the ratios yet): the three runs share one DynamoDB
Local JVM, and its CPU per item grows after every ``DeleteTable`` (measured
3,336 -> 16,719 -> 27,242 us/item over migrate -> baseline -> server limit), so
whichever run comes later looks slower.  The fix is a fresh DynamoDB Local per
run (stop + start on the same port, then deploy) instead of destroy + deploy.
DynamoDB Local also writes through one SQLite thread: it uses one core at most.

What it does, in one run:

1. creates a fresh PostgreSQL database on 127.0.0.1 (user ``postgres``, trust
   auth), fills it with AlgoItny's tables for about ``--rows`` rows in all (the
   generator's ``rows`` is the number of users; every user brings ~19 rows:
   0.5 problems, ~2.25 test cases, 5 search-history rows, 10 usage logs, 0.25
   jobs), runs ``analyze`` and a multi-table ``design`` with the example's
   ``access_patterns.yaml``; the database is dropped at the end;
2. starts an in-memory DynamoDB Local on a free port (stopped at the end) and,
   with fresh tables before every run (``destroy`` + ``deploy``), measures
   items/s for

   * **migrate**: the ``migrate`` command function, run in a child process so
     that its peak memory is the child's own ``ru_maxrss`` (resource.getrusage
     RUSAGE_SELF, read by the child after migrate returns; it includes the
     interpreter and imports).  Its items/s is ``MigrateResult.totals()``:
     items written over the command's wall time (opening the source included);
   * **baseline**: what seed 001's migrate script does, single-threaded:
     SQLAlchemy ``SELECT *`` ordered by the primary key with ``fetchmany``, and
     boto3's resource ``Table.batch_writer()`` with Python-typed items.  To write
     the *same* items, each row goes through the project's ``ItemBuilder`` and
     the low-level item is converted to Python types (Decimal numbers) with
     boto3's ``TypeDeserializer``, inside the timed loop (standing in for the
     seed script's own dict building).  Parents of denormalized attributes are
     fetched per batch with one ``IN`` query, as migrate does;
   * **server limit**: the same items, pre-encoded before timing as
     BatchWriteItem JSON bodies of 25 puts, sent from a thread pool over
     keep-alive ``http.client`` connections with one static set of headers
     (a static ``Authorization`` header: DynamoDB Local does not verify
     signatures, which the script checks with one call before timing);
     ``UnprocessedItems`` are counted and resent.  It is the most this
     DynamoDB Local can ingest on this machine with the least client work;

3. repeats the three runs through the fault proxy (a separate process, so its
   CPU does not compete for this process's GIL) adding ``delay_ms`` to every
   round trip, which is what a remote endpoint's latency does to each design.

Reading the ratios: ``migrate / server limit`` is the share of the server's
ingest rate migrate reaches (1.0 = the client is not the bottleneck; on the
2-core machine the JVM, PostgreSQL and the client share the CPUs, so the
limit run -- which does no reading or transforming -- is an upper bound, not a
target).  ``migrate / baseline`` is the speed-up over the seed-style script;
with latency it mostly shows how concurrency hides round trips.  Also printed:
CPU seconds per item of the DynamoDB Local JVM, to see who spends the CPU.
Prints figures; asserts nothing (the machine is shared and noisy).

    .venv/bin/python bench/backfill.py [--rows 1000000] [--delay-ms 10] [--concurrency 8] [--segments 4]
    .venv/bin/python bench/backfill.py --rows 50000      # a quick run
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import os
import resource
import shutil
import socket
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

ROOT = Path(__file__).resolve().parent.parent
# The repo root makes ``tests.faults.proxy`` importable for the proxy child (``python -m``, cwd=ROOT).
sys.path.insert(0, str(ROOT))

from sql2dynamo.commands.analyze import analyze  # noqa: E402
from sql2dynamo.commands.deploy import deploy, destroy  # noqa: E402
from sql2dynamo.commands.design import design  # noqa: E402
from sql2dynamo.commands.migrate import migrate  # noqa: E402
from sql2dynamo.design.model import DataModel  # noqa: E402
from sql2dynamo.examples import get_example  # noqa: E402
from sql2dynamo.migrate.transform import ItemBuilder  # noqa: E402
from sql2dynamo.reporting import PlainReporter, RecordingReporter  # noqa: E402
from sql2dynamo.target import local  # noqa: E402
from sql2dynamo.target.deploy import load_model  # noqa: E402
from sql2dynamo.target.prerequisites import HOME_ENV, JAR_ENV  # noqa: E402

Item = dict[str, Any]
Batch = list[tuple[str, Item]]
CREDS = {"region_name": "us-east-1", "aws_access_key_id": "local", "aws_secret_access_key": "local"}
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# Rows per AlgoItny user: 1 user + 0.5 problems + ~2.25 test cases + 5 history + 10 usage logs + 0.25 jobs.
ROWS_PER_USER = 19.0
FETCH = 1000
STARTED = time.monotonic()


def say(message: str) -> None:
    """A progress line with the seconds since start (stderr, so the figures on stdout stay clean)."""
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def jvm_cpu_s(pid: int | None) -> float:
    """User + system CPU seconds of a process (0 when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


@contextlib.contextmanager
def dynamodb_local(home: Path) -> Iterator[tuple[str, int | None]]:
    """An in-memory DynamoDB Local in a throwaway home: (endpoint URL, JVM pid)."""
    jar = local.find_jar()  # looked up in the user's home before it is swapped for the throwaway one
    os.environ[HOME_ENV] = str(home)
    os.environ[JAR_ENV] = str(jar)
    instance = local.start(port=free_port(), in_memory=True)
    try:
        yield instance.endpoint_url, instance.pid
    finally:
        local.stop(instance.port)
        say("stopped DynamoDB Local")


@contextlib.contextmanager
def delay_proxy(upstream: str, delay_ms: float) -> Iterator[str]:
    """The fault proxy in a child process (its CPU is not this process's), adding ``delay_ms`` to every call."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.proxy", upstream, "--delay-ms", str(delay_ms)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield child.stdout.readline().strip()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(10)


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


def fresh_tables(work: Path, url: str) -> None:
    """Delete and re-create the model's tables, so every run starts from empty tables."""
    quiet = RecordingReporter()
    destroy(work, url, reporter=quiet, confirm=lambda gate, question: True)
    deploy(work, url, reporter=quiet)


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


def baseline(source_url: str, url: str, model: DataModel) -> int:
    """Seed 001's way: one thread, SQLAlchemy reads, ``Table.batch_writer()`` with Python-typed items."""
    builder = ItemBuilder(model)
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
    return written


# ------------------------------------------------------------------ the server's ingest limit


def encode_bodies(source_url: str, model: DataModel) -> tuple[list[tuple[bytes, int]], int]:
    """Every item as (BatchWriteItem body, its put count): up to 25 puts to one table, keys unique in a body."""
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
    return bodies, items


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
    """``migrate`` in a child process: its totals and the child's peak RSS (MiB)."""
    args = json.dumps({"source": source_url, "work": str(work), "url": url, "segments": segments, "c": concurrency})
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child-migrate", args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def child_migrate(args: dict[str, Any]) -> None:
    """The child's side: migrate, then print one JSON line with the totals and ru_maxrss."""
    result = migrate(
        args["source"],
        Path(args["work"]),
        args["url"],
        reporter=PlainReporter(),
        segments=args["segments"],
        concurrency=args["c"],
    )
    total = result.totals()
    # ru_maxrss is in KiB on Linux: the child's own peak, after migrate returned.
    total["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(total), flush=True)


# ------------------------------------------------------------------ measuring


@dataclass
class Figure:
    """One measured run."""

    name: str
    items: int
    seconds: float
    jvm_cpu_s: float
    extra: str = ""

    @property
    def items_s(self) -> float:
        """Items per second."""
        return self.items / self.seconds if self.seconds > 0 else 0.0


def measure(name: str, pid: int | None, run: Callable[[], tuple[int, float | None, str]]) -> Figure:
    """Run once; ``run`` returns (items, its own seconds or None for wall time here, extra text)."""
    jvm_before, started = jvm_cpu_s(pid), time.perf_counter()
    items, own_seconds, extra = run()
    wall = time.perf_counter() - started
    figure = Figure(name, items, own_seconds if own_seconds is not None else wall, jvm_cpu_s(pid) - jvm_before, extra)
    say(f"{name}: {figure.items:,} items in {figure.seconds:.1f} s = {figure.items_s:,.0f} items/s {extra}")
    return figure


def run_set(
    label: str,
    url: str,
    direct_url: str,
    pid: int | None,
    work: Path,
    source_url: str,
    model: DataModel,
    bodies: list[tuple[bytes, int]],
    args: argparse.Namespace,
) -> list[Figure]:
    """migrate, baseline and server limit against ``url`` (tables re-created on ``direct_url`` before each)."""
    say(f"--- {label} ---")

    def do_migrate() -> tuple[int, float | None, str]:
        total = run_migrate_child(source_url, work, url, args.segments, args.concurrency)
        extra = f"(peak RSS {total['peak_rss_mib']:.0f} MiB, failed {total['failed']}, rejected {total['rejected']})"
        return int(total["items"]), float(total["seconds"]), extra

    def do_baseline() -> tuple[int, float | None, str]:
        return baseline(source_url, url, model), None, ""

    def do_limit() -> tuple[int, float | None, str]:
        out = server_limit(url, bodies, args.concurrency)
        return out.items, None, f"(unprocessed resent {out.unprocessed}, throttled {out.throttled})"

    figures = []
    for name, run in (
        (f"migrate x{args.concurrency} writers, {args.segments} segments", do_migrate),
        ("baseline: seed-style, 1 thread", do_baseline),
        (f"server limit: pre-encoded, {args.concurrency} threads", do_limit),
    ):
        fresh_tables(work, direct_url)
        say(f"{label}: {name} ...")
        figures.append(measure(name, pid, run))
    return figures


def report(label: str, figures: list[Figure]) -> None:
    """The figures and the two ratios."""
    print(f"\n{label}")
    print(f"  {'run':<42} {'items':>10} {'seconds':>8} {'items/s':>9} {'JVM cpu us/item':>16}")
    for f in figures:
        jvm = f.jvm_cpu_s / f.items * 1e6 if f.items else float("nan")
        print(f"  {f.name:<42} {f.items:>10,} {f.seconds:>8.2f} {f.items_s:>9,.0f} {jvm:>16.0f}  {f.extra}")
    mig, base, limit = figures
    print(f"  migrate / server limit = {mig.items_s / limit.items_s:.2f}")
    print(f"  migrate / baseline     = {mig.items_s / base.items_s:.2f}", flush=True)


def main() -> None:
    """Parse options, prepare the data and model, run both sets, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="source rows in all, across AlgoItny's tables")
    parser.add_argument("--delay-ms", type=float, default=10.0, help="latency the proxy adds to every round trip")
    parser.add_argument("--concurrency", type=int, default=8, help="migrate's writers and the limit run's threads")
    parser.add_argument("--segments", type=int, default=4, help="migrate's reader segments per table")
    parser.add_argument("--child-migrate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_migrate:
        child_migrate(json.loads(args.child_migrate))
        return

    users = max(10, round(args.rows / ROWS_PER_USER))
    say(f"{args.rows:,} rows requested: {users:,} AlgoItny users; {os.cpu_count()} CPUs")
    work = Path(tempfile.mkdtemp(prefix="s2d-backfill-"))
    try:
        with contextlib.ExitStack() as stack:
            source_url = stack.enter_context(fresh_database(f"s2d_backfill_{os.getpid()}"))
            counts, model = prepare(source_url, users, work)
            direct, pid = stack.enter_context(dynamodb_local(work / "home"))
            say(f"DynamoDB Local at {direct} (pid {pid})")
            check_static_auth(direct)
            say("encoding BatchWriteItem bodies for the server-limit run (not timed) ...")
            bodies, n_items = encode_bodies(source_url, model)
            say(
                f"encoded {n_items:,} items in {len(bodies):,} bodies, {sum(len(b) for b, _ in bodies) / 2**20:.0f} MiB"
            )
            sets = [("direct", run_set("direct", direct, direct, pid, work, source_url, model, bodies, args))]
            if args.delay_ms:
                proxied = stack.enter_context(delay_proxy(direct, args.delay_ms))
                label = f"through the fault proxy, +{args.delay_ms:g} ms per round trip"
                sets.append((label, run_set(label, proxied, direct, pid, work, source_url, model, bodies, args)))
            print(
                f"\n{sum(counts.values()):,} source rows ({users:,} users), {n_items:,} items, "
                f"{len(model.tables)} tables, {os.cpu_count()} CPUs; "
                "migrate peak memory = ru_maxrss of the child process that ran it"
            )
            for label, figures in sets:
                report(label, figures)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
