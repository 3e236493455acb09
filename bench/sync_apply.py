"""Benchmark: ``sql2dynamo sync`` backlog drain beside ``migrate`` on the same DynamoDB Local, and lag under load.

What it does, in one run, for each source (``--sources``, default PostgreSQL then MariaDB):

1. creates a fresh database on 127.0.0.1 (PostgreSQL: user ``postgres``, trust auth; MariaDB: ``root``,
   no password) with Decision Data for ``--users`` users (users with a unique e-mail lookup item; audio
   files that copy their user's e-mail, so an e-mail change fans out), designs the model, starts its own
   in-memory DynamoDB Local on a free port and deploys;
2. **migrate**: ``migrate --with-sync`` (stream start + snapshot + backfill) into that fresh DynamoDB
   Local: items/s is ``MigrateResult.totals()`` (items over the command's wall time), with the JVM's CPU
   per item;
3. **drain**: with sync stopped, ``bench/sync_world.ChangeLoad`` commits ``--backlog`` row changes
   (inserts, updates moving the unique e-mail and the audio files' primary keys and owners, deletes; rows
   picked at random among all) as fast as it can; then ``sql2dynamo sync --until-caught-up`` applies them
   in its own process, into the same DynamoDB Local.  Changes/s and item writes/s (puts and deletes
   DynamoDB confirmed) are over the sync command function's wall time (``SyncResult.seconds``: connecting,
   reading, applying, the final idle poll; not the interpreter's start), with the JVM's and the sync
   process's CPU per item write;
4. **steady** (the first source only): ``sql2dynamo sync`` runs in its own process while the load commits
   ``--rate`` row changes/s for ``--seconds``; a marker thread inserts a new user every 0.1 s and a poller
   reads the markers' items from DynamoDB (BatchGetItem every 20 ms) until each is there: the time from
   a marker's COMMIT to its item being readable is the end-to-end lag (decode, apply, write, visible),
   reported as p50 / p99 / max;
5. drops the stream and the database and stops DynamoDB Local.

The last lines are ``drain/migrate = R`` (item writes/s of the drain over migrate's items/s, the lower
of the sources; target 0.5) and ``lag p99 = N ms`` (target under 1,000 at 500 changes/s).  Also
printed: CPUs and the load average before and after (the machine may be shared).  Asserts nothing.

    .venv/bin/python bench/sync_apply.py [--users 3000] [--backlog 10000] [--rate 500] [--seconds 30]

Before issue 17 (one conditional PutItem/DeleteItem per call, one source read per change, 8 writers):
drain 71-109 changes/s (197-287 item writes/s) on PostgreSQL with a workload on 50 hot rows, while
migrate wrote ~4,000 items/s.  A profile (py-spy on the sync process, DynamoDB Local's CPU per write):
57 % of the writer threads' samples in botocore calls of one item each (1.5 ms of client CPU and 2-3.5
ms of DynamoDB Local CPU per item write, against 0.27 ms per item in migrate's BatchWriteItem), 21 % in
one source SELECT per change (a pooled connection, its ping, the query) for copies and fan-out.

With the batch planned, coalesced and written as TransactWriteItems (defaults, on a machine shared
with other test runs, load average 14-19 on 2 CPUs, so migrate itself reached only 380-1,030 items/s):
PostgreSQL drain 171-192 changes/s (311-347 item writes/s, 95 items per call, 40 source reads for
10,012 changes), MariaDB 173-200 changes/s (310-364 item writes/s); DynamoDB Local CPU 0.9 ms per item
write against 0.57-0.79 ms per migrate item; drain/migrate 0.34 and 0.65 in two runs.  Under that load
the paced load reached only 121-158 changes/s and sync fell behind (lag p99 9-15 s): the lag target
needs a quiet machine to be measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sync_world import ChangeLoad, fresh_database

from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.migrate import migrate
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples.decision_data import users
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.migrate.run import key_schemas
from sql2dynamo.target.model_file import load_model
from sql2dynamo.testing.dynamodb import boto_client, cpu_seconds, running_local, use_throwaway_home
from sql2dynamo.testing.sync_world import decision_model, fill

SLOT = "s2d_bench_sync"
SYNC_CLI = [sys.executable, "-m", "sql2dynamo", "sync"]
MARKER_EVERY_S = 0.1


def say(text: str) -> None:
    """Progress on stderr (the figures go to stdout)."""
    print(text, file=sys.stderr, flush=True)


def load() -> str:
    """The load average, as text."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def sync_command(url: str, model_dir: Path, endpoint: str, workers: int, summary: Path, *extra: str) -> list[str]:
    """The ``sync`` command line both phases run, with the phase's own options in ``extra``."""
    common = ["--model", str(model_dir), "--target", endpoint, "--slot", SLOT, "--workers", str(workers)]
    return [*SYNC_CLI, url, *common, *extra, "--summary", str(summary)]


def run_child(command: list[str], log: Path) -> float:
    """Run ``command`` to its end (output into ``log``); its CPU seconds (``wait4``: this child's alone)."""
    with log.open("w") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed ({child.returncode}):\n{log.read_text()[-3000:]}")
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted ``values``."""
    return values[min(len(values) - 1, max(0, int(share * len(values) + 0.999999) - 1))]


@dataclass
class Figures:
    """One source's measurements."""

    kind: str
    rows: int = 0
    migrate_items: int = 0
    migrate_seconds: float = 0.0
    migrate_jvm_s: float = 0.0
    backlog: int = 0
    backlog_seconds: float = 0.0
    drain: dict[str, Any] = field(default_factory=dict)
    drain_seconds: float = 0.0
    drain_jvm_s: float = 0.0
    drain_client_s: float = 0.0

    @property
    def migrate_rate(self) -> float:
        return self.migrate_items / self.migrate_seconds if self.migrate_seconds else 0.0

    @property
    def writes(self) -> int:
        return int(self.drain["puts"]) + int(self.drain["deletes"])

    @property
    def drain_rate(self) -> float:
        return int(self.drain["changes"]) / self.drain_seconds if self.drain_seconds else 0.0

    @property
    def write_rate(self) -> float:
        return self.writes / self.drain_seconds if self.drain_seconds else 0.0


class Marker:
    """Inserts a new user every :data:`MARKER_EVERY_S`; a poller notes when each one's item shows up in DynamoDB.

    Marker users get ids that sort after every other key and are never touched by the load; each marker
    has its own item, so a slow poll misses none.
    """

    def __init__(self, url: str, endpoint: str, model_dir: Path) -> None:
        self.engine = sa.create_engine(url)
        self.client = boto_client(endpoint)
        _, model = load_model(model_dir)
        builder = ItemBuilder(model)
        self._items = builder.items_for
        self._table, self._key_names = self._users_table(model, builder)
        self.committed: list[tuple[dict[str, Any], float]] = []  # key, commit time
        self.lags: list[float] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()

    @staticmethod
    def _users_table(model: Any, builder: ItemBuilder) -> tuple[str, list[str]]:
        for spec in model.tables:
            if any(e.source_table == "users" and e.kind == "entity" for e in spec.entities):
                return spec.name, [name for name, _ in key_schemas(model)[spec.name]]
        raise AssertionError("users has no entity item")

    def write_loop(self, deadline: float) -> None:
        """Insert markers until :attr:`stop` or ``deadline`` (monotonic): the sync child runs for a fixed time."""
        n = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            n += 1
            row = {
                "user_id": uuid.UUID(f"ffffffff-ffff-4fff-bfff-{n:012x}"),
                "email": f"marker-{n}@example.org",
                "password_hash": "x",
                "key_salt": f"marker-{n}",
                "created_at": dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            }
            with self.engine.begin() as conn:
                conn.execute(users.insert().values(**row))
                stored = dict(conn.execute(sa.select(users).where(users.c.user_id == row["user_id"])).mappings().one())
            committed = time.time()
            item = next(i for t, i in self._items("users", stored, None).items if t == self._table)
            with self._lock:
                self.committed.append(({k: item[k] for k in self._key_names}, committed))
            self.stop.wait(MARKER_EVERY_S)

    def poll_loop(self) -> None:
        seen: set[int] = set()
        while True:
            with self._lock:
                pending = [(i, k, t) for i, (k, t) in enumerate(self.committed) if i not in seen][:100]
            if not pending:
                if self.stop.is_set():
                    return
                time.sleep(0.02)
                continue
            if self.stop.is_set() and time.time() - pending[0][2] > 60:
                return  # never arrived: reported as missing
            keys = {json.dumps(k, sort_keys=True): i for i, k, _ in pending}
            answer = self.client.batch_get_item(RequestItems={self._table: {"Keys": [k for _, k, _ in pending]}})
            now = time.time()
            for item in answer.get("Responses", {}).get(self._table, []):
                key = {name: item[name] for name in self._key_names}
                index = keys.get(json.dumps(key, sort_keys=True))
                if index is not None and index not in seen:
                    seen.add(index)
                    self.lags.append(now - self.committed[index][1])
            time.sleep(0.02)


def one_source(kind: str, args: argparse.Namespace, work: Path, steady: bool) -> tuple[Figures, dict[str, Any]]:
    """Migrate, drain (and with ``steady`` the paced run) on a fresh database and DynamoDB Local."""
    figures = Figures(kind)
    out: dict[str, Any] = {}
    base = work / kind
    with fresh_database(kind, f"s2d_syncbench_{kind[:5]}_{os.getpid()}") as url, running_local(in_memory=True) as ddb:
        endpoint = ddb.endpoint_url
        try:
            counts = fill(url, args.users)
            figures.rows = sum(counts.values())
            model_dir = decision_model(url, base / "model")
            deploy(model_dir, endpoint, reporter=RecordingReporter())
            jvm = cpu_seconds(ddb.pid)
            moved = migrate(url, model_dir, endpoint, reporter=RecordingReporter(), with_sync=True, slot=SLOT)
            figures.migrate_jvm_s = cpu_seconds(ddb.pid) - jvm
            totals = moved.totals()
            figures.migrate_items, figures.migrate_seconds = int(totals["items"]), float(totals["seconds"])
            say(
                f"{kind}: backfill {figures.migrate_items:,} items from {figures.rows:,} rows, "
                f"{figures.migrate_rate:,.0f} items/s"
            )

            say(f"{kind}: committing {args.backlog:,} row changes with sync stopped ...")
            backlog = ChangeLoad(url, seed=11, threads=2, per_txn=10)
            figures.backlog_seconds = backlog.run(limit=args.backlog)
            figures.backlog = backlog.changes
            summary = base / "drain.json"
            jvm = cpu_seconds(ddb.pid)
            figures.drain_client_s = run_child(
                sync_command(url, model_dir, endpoint, args.workers, summary, "--until-caught-up"), base / "drain.log"
            )
            figures.drain_jvm_s = cpu_seconds(ddb.pid) - jvm
            drained = json.loads(summary.read_text())
            figures.drain, figures.drain_seconds = drained["apply"], float(drained["seconds"])
            say(f"{kind}: drained {figures.drain['changes']:,} changes in {figures.drain_seconds:.1f} s")
            if steady:
                out = steady_run(url, model_dir, endpoint, args, base)
        finally:
            if kind == "postgresql":
                admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(
                        sa.text(
                            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = :s"
                        ),
                        {"s": SLOT},
                    )
                admin.dispose()
    return figures, out


def steady_run(url: str, model_dir: Path, endpoint: str, args: argparse.Namespace, base: Path) -> dict[str, Any]:
    """Continuous sync under a paced load, with the markers measuring commit -> visible."""
    summary = base / "steady.json"
    command = sync_command(url, model_dir, endpoint, args.workers, summary, "--max-seconds", str(args.seconds + 8))
    with (base / "steady.log").open("w") as log:
        syncer = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        time.sleep(4.0)  # the child's start (imports, connections)
        marker = Marker(url, endpoint, model_dir)
        rate = max(1.0, args.rate - 1 / MARKER_EVERY_S)
        paced = ChangeLoad(url, seed=12, threads=args.load_threads, per_txn=args.per_txn, rate=rate)
        started = time.monotonic()
        # Markers stop on time even when the paced load runs late, so the last ones still reach the sync child
        # before its --max-seconds (4 s of start-up + the load's seconds + 4 s to apply the tail).
        writer = threading.Thread(target=marker.write_loop, args=(started + args.seconds,))
        threads = [writer, threading.Thread(target=marker.poll_loop)]
        paced.start(seconds=args.seconds)
        for t in threads:
            t.start()
        paced.join()
        marker.stop.set()
        elapsed = time.monotonic() - started
        threads[0].join()
        threads[1].join(timeout=70)
        syncer.wait(timeout=120)  # it stops by itself (--max-seconds)
    marker.engine.dispose()
    streamed = json.loads(summary.read_text())
    return {
        "offered": (paced.changes + len(marker.committed)) / elapsed,
        "lags": sorted(marker.lags),
        "markers": len(marker.committed),
        "streamed": streamed,
        "errors": paced.errors[:3],
    }


def main() -> None:
    """Parse options, measure every source, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--users", type=int, default=3000, help="Decision Data users (about 4.8 rows each)")
    parser.add_argument("--backlog", type=int, default=10000, help="row changes committed before the drain")
    parser.add_argument("--rate", type=float, default=500.0, help="offered row changes/s in the steady phase")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the steady phase")
    parser.add_argument("--workers", type=int, default=8, help="sync's DynamoDB calls in flight")
    parser.add_argument("--load-threads", type=int, default=4, help="threads committing the steady load")
    parser.add_argument("--per-txn", type=int, default=20, help="row changes per transaction of the steady load")
    parser.add_argument("--sources", default="postgresql,mariadb", help="postgresql, mariadb or both")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.sources.split(",") if k.strip()]

    work = Path(tempfile.mkdtemp(prefix="s2d-syncbench-"))
    use_throwaway_home(work / "home")
    load_before = load()
    results: list[Figures] = []
    steady: dict[str, Any] = {}
    try:
        for n, kind in enumerate(kinds):
            figures, out = one_source(kind, args, work, steady=n == 0)
            results.append(figures)
            steady = steady or out
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nsync apply benchmark: {', '.join(kinds)} -> DynamoDB Local (in memory, a fresh one per source), "
        f"{os.cpu_count()} CPUs, {args.workers} calls in flight, load average before {load_before}, after {load()}"
    )
    for f in results:
        d = f.drain
        print(
            f"  {f.kind}: migrate --with-sync {f.migrate_items:,} items in {f.migrate_seconds:.1f} s = "
            f"{f.migrate_rate:,.0f} items/s (DynamoDB Local CPU {f.migrate_jvm_s / max(1, f.migrate_items) * 1e6:,.0f} "
            f"us/item)"
        )
        print(
            f"  {f.kind}: drain of {d['changes']} backlogged changes ({f.writes} item writes: {d['puts']} puts, "
            f"{d['deletes']} deletes, {d['fanout']} of them copies; {d['coalesced']} coalesced, {d['skipped']} "
            f"already there; {d['calls']} calls, {d['reads']} source reads): {f.drain_rate:.0f} changes/s applied "
            f"({f.write_rate:.0f} item writes/s) in {f.drain_seconds:.1f} s; CPU per item write: DynamoDB Local "
            f"{f.drain_jvm_s / max(1, f.writes) * 1e6:,.0f} us, "
            f"sync {f.drain_client_s / max(1, f.writes) * 1e6:,.0f} us"
        )
    if steady:
        s = steady["streamed"]
        lags: list[float] = steady["lags"]
        print(
            f"  steady load ({results[0].kind}): offered {steady['offered']:,.0f} changes/s for {args.seconds:g} s; "
            f"sync (its own process) applied {s['apply']['changes']:,} changes, {s['apply']['seconds']:.1f} s of its "
            f"{s['seconds']:.0f} s spent applying; its own max lag {s['max_lag_seconds']:.2f} s"
            + (f"; load errors: {steady['errors']}" if steady["errors"] else "")
        )
        if lags:
            print(
                f"  end-to-end lag (COMMIT -> item visible in DynamoDB), {len(lags)} of {steady['markers']} markers: "
                f"p50 {statistics.median(lags) * 1000:.0f} ms, p99 {percentile(lags, 0.99) * 1000:.0f} ms, "
                f"max {lags[-1] * 1000:.0f} ms"
            )
        else:
            print("  end-to-end lag: no marker seen (sync did not keep up)")
    ratios = {f.kind: f.write_rate / f.migrate_rate if f.migrate_rate else 0.0 for f in results}
    for kind, ratio in ratios.items():
        print(f"  drain/migrate ({kind}) = {ratio:.2f}")
    print(f"drain/migrate = {min(ratios.values()):.2f}   (item writes/s over items/s; target >= 0.5)")
    lags = steady.get("lags") or []
    p99 = f"{percentile(lags, 0.99) * 1000:.0f} ms" if lags else "n/a (no marker seen)"
    print(f"lag p99 = {p99}   (at {steady.get('offered', 0):,.0f} changes/s offered; target < 1000 ms at 500)")


if __name__ == "__main__":
    main()
