"""Benchmark: ``sql2dynamo sync`` apply throughput and end-to-end lag, PostgreSQL -> DynamoDB Local.

What it does, in one run:

1. creates a fresh PostgreSQL database on 127.0.0.1 (user ``postgres``, trust
   auth) with Decision Data for ``--users`` users (users with a unique e-mail
   lookup item; audio files that copy their user's e-mail, so an e-mail change
   fans out), designs the model, starts its own in-memory DynamoDB Local on a
   free port, deploys, and runs ``migrate --with-sync`` (slot + snapshot);
2. **drain**: with sync stopped, the workload of ``tests/sync/workload.py``
   commits ``--backlog`` operations as fast as it can; then ``sync
   --until-caught-up`` applies them: changes/s is the applier's sustained rate
   on a backlog (``sql2dynamo sync`` in its own process, ``--workers`` parallel
   writers, conditional PutItem/DeleteItem one item per call);
3. **steady**: ``sql2dynamo sync`` runs continuously in its own process while
   the workload commits about ``--rate`` operations/s for ``--seconds``; a
   marker thread inserts a new user every 0.5 s and a poller reads each
   marker's item from DynamoDB until it is there: the time from the marker's
   COMMIT to its item being readable is the end-to-end lag (decode, apply,
   write, visible), reported as p50 / p95 / max with the offered rate;
4. drops the slot, the database and stops DynamoDB Local.

Also printed: CPUs and the load average before and after (the machine may be
shared by other work).  Asserts nothing.

    .venv/bin/python bench/sync_apply.py [--users 300] [--backlog 2000] [--rate 100] [--seconds 20] [--workers 8]
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
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.sync.conftest import decision_model, fill  # noqa: E402
from tests.sync.workload import Workload  # noqa: E402
from tests.target.conftest import boto_client, free_port  # noqa: E402

from sql2dynamo.commands.deploy import deploy  # noqa: E402
from sql2dynamo.commands.migrate import migrate  # noqa: E402
from sql2dynamo.common.reporting import RecordingReporter  # noqa: E402
from sql2dynamo.examples.decision_data import users  # noqa: E402
from sql2dynamo.items.transform import ItemBuilder  # noqa: E402
from sql2dynamo.migrate.run import key_schemas  # noqa: E402
from sql2dynamo.target import local, prerequisites  # noqa: E402
from sql2dynamo.target.model_file import load_model  # noqa: E402
from sql2dynamo.target.prerequisites import HOME_ENV, JAR_ENV  # noqa: E402

SYNC_CLI = [sys.executable, "-m", "sql2dynamo", "sync"]


def sync_command(url: str, model_dir: Path, endpoint: str, workers: int, summary: Path, *extra: str) -> list[str]:
    """The ``sync`` command line both phases run, with the phase's own options in ``extra``."""
    common = ["--model", str(model_dir), "--target", endpoint, "--slot", SLOT, "--workers", str(workers)]
    return [*SYNC_CLI, url, *common, *extra, "--summary", str(summary)]


ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SLOT = "s2d_bench_sync"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Marker:
    """Inserts a new user every 0.5 s; a poller notes when each one's item shows up in DynamoDB.

    Marker users get ids that sort after every other key, so the workload (which picks among the
    first 50 keys) never touches them; each marker has its own item, so a slow poll misses none.
    """

    def __init__(self, url: str, endpoint: str, model_dir: Path) -> None:
        self.engine = sa.create_engine(url)
        self.client = boto_client(endpoint)
        _, self.model = load_model(model_dir)
        self.builder = ItemBuilder(self.model)
        self.committed: list[tuple[str, dict[str, Any], float]] = []  # table, key, commit time
        self.lags: list[float] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def _key(self, row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        for table, item in self.builder.items_for("users", row, None).items:
            spec = next(t for t in self.model.tables if t.name == table)
            if any(e.source_table == "users" and e.kind == "entity" for e in spec.entities):
                return table, {name: item[name] for name, _ in key_schemas(self.model)[table]}
        raise AssertionError("users has no entity item")

    def write_loop(self) -> None:
        n = 0
        while not self.stop.is_set():
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
            table, key = self._key(stored)
            with self._lock:
                self.committed.append((table, key, committed))
            self.stop.wait(0.5)

    def poll_loop(self) -> None:
        seen = 0
        while True:
            with self._lock:
                pending = self.committed[seen:]
            if not pending:
                if self.stop.is_set():
                    return
                time.sleep(0.01)
                continue
            table, key, committed = pending[0]
            if self.client.get_item(TableName=table, Key=key).get("Item") is not None:
                self.lags.append(time.time() - committed)
                seen += 1
                continue
            if self.stop.is_set() and time.time() - committed > 60:
                return  # never arrived: reported as missing
            time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--backlog", type=int, default=2000, help="operations committed before the drain")
    parser.add_argument("--rate", type=float, default=100.0, help="offered operations/s in the steady phase")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the steady phase")
    parser.add_argument("--workers", type=int, default=8, help="sync's parallel writers")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="s2d-syncbench-"))
    os.environ[JAR_ENV] = str(prerequisites.find_jar())
    os.environ[HOME_ENV] = str(work / "home")
    os.environ.pop(local.JAVA_OPTS_ENV, None)
    database = f"s2d_syncbench_{os.getpid()}"
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    url = sa.make_url(ADMIN).set(database=database).render_as_string(hide_password=False)
    instance = local.start(port=free_port(), in_memory=True)
    endpoint = instance.endpoint_url
    load_before = load()
    try:
        counts = fill(url, args.users)
        model_dir = decision_model(url, work / "model")
        deploy(model_dir, endpoint, reporter=RecordingReporter())
        moved = migrate(url, model_dir, endpoint, reporter=RecordingReporter(), with_sync=True, slot=SLOT)
        say(f"backfill: {moved.totals()['items']:,} items from {sum(counts.values()):,} rows; slot {SLOT}")

        # Drain: a backlog, then catch up.
        say(f"drain: committing {args.backlog:,} operations with sync stopped ...")
        backlog = Workload(url, seed=11, limit=args.backlog)
        backlog.start()
        backlog.join()
        backlog.engine.dispose()
        summary = work / "drain.json"
        subprocess.run(
            sync_command(url, model_dir, endpoint, args.workers, summary, "--until-caught-up"),
            check=True,
            capture_output=True,
        )
        drained = json.loads(summary.read_text())
        drain = {
            "changes": drained["apply"]["changes"],
            "writes": drained["apply"]["puts"] + drained["apply"]["deletes"],
            "calls": drained["apply"]["calls"],
            "wall": drained["seconds"],
            "apply": drained["apply"]["seconds"],
        }

        # Steady: continuous sync under a paced load, with the marker measuring commit -> visible.
        marker = Marker(url, endpoint, model_dir)
        steady_summary = work / "steady.json"
        syncer = subprocess.Popen(
            sync_command(
                url, model_dir, endpoint, args.workers, steady_summary, "--max-seconds", str(args.seconds + 15)
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(3.0)  # the child's start (imports, connections)
        steady = Workload(url, seed=12, pause=1.0 / args.rate)
        threads = [threading.Thread(target=marker.write_loop), threading.Thread(target=marker.poll_loop)]
        started = time.monotonic()
        steady.start()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        steady.stop()
        marker.stop.set()
        offered = sum(steady.done.values()) / (time.monotonic() - started)
        threads[0].join()
        threads[1].join(timeout=70)
        syncer.wait(timeout=120)  # it stops by itself (--max-seconds)
        streamed = json.loads(steady_summary.read_text())
        marker.engine.dispose()
    finally:
        try:
            with admin.connect() as conn:
                conn.execute(
                    sa.text(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = :s"
                    ),
                    {"s": SLOT},
                )
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        finally:
            local.stop(instance.port)
            shutil.rmtree(work, ignore_errors=True)
            admin.dispose()

    lags = sorted(marker.lags)
    print(
        f"\nsync apply benchmark: PostgreSQL 15 slot (pgoutput) -> DynamoDB Local (in memory), "
        f"{os.cpu_count()} CPUs, {args.workers} writers, load average before {load_before}, after {load()}"
    )
    print(
        f"  drain of {drain['changes']:,} backlogged changes ({drain['writes']:,} conditional writes, "
        f"{drain['calls']:,} calls): {drain['changes'] / drain['apply']:,.0f} changes/s applied "
        f"({drain['writes'] / drain['apply']:,.0f} item writes/s); "
        f"{drain['changes'] / drain['wall']:,.0f} changes/s over the whole command ({drain['wall']:.1f} s)"
    )
    print(
        f"  steady load: offered {offered:,.0f} operations/s for {args.seconds:g} s; sync (its own process) applied "
        f"{streamed['apply']['changes']:,} changes, {streamed['apply']['seconds']:.1f} s of its "
        f"{streamed['seconds']:.0f} s spent applying; its own max lag {streamed['max_lag_seconds']:.2f} s"
    )
    if lags:
        p95 = lags[min(len(lags) - 1, int(0.95 * len(lags)))]
        print(
            f"  end-to-end lag (COMMIT -> item visible in DynamoDB), {len(lags)} of {len(marker.committed)} markers: "
            f"p50 {statistics.median(lags) * 1000:,.0f} ms, p95 {p95 * 1000:,.0f} ms, max {lags[-1] * 1000:,.0f} ms"
        )
    else:
        print("  end-to-end lag: no marker seen (sync did not keep up)")


if __name__ == "__main__":
    main()
