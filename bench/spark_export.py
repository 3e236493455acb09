"""Benchmark: ``migrate --engine spark`` (local[2]) and ``export`` next to the single-process migrate, in one run.

What it does:

1. generates AlgoItny (``--users`` users, about 19 rows each) into a SQLite
   file, runs ``analyze`` and a multi-table ``design``;
2. starts one in-memory DynamoDB Local on a free port (throwaway home);
3. **baseline**: ``migrate`` with the default engine (reader threads in this
   process) into freshly deployed tables;
4. **spark**: the tables deleted and deployed again, then ``migrate --engine
   spark --spark-master local[2]`` (the SparkContext is started before the
   clock starts: its JVM start-up is reported apart);
5. **export**: ``export`` of the same items to a temporary directory as gzip
   DynamoDB JSON (and ``verify --from-export`` checks the files, untimed).

Printed per run: items, seconds, items/s, client CPU seconds per 1,000 items
(this process and every process it started, the DynamoDB Local JVM left out;
for Spark that is its JVM and Python workers), and for the export MB/s
(compressed, and uncompressed).  The ratios to the baseline come last.
DynamoDB Local's own write speed bounds both migrate runs here; the export
writes no table.  Asserts nothing.

    .venv/bin/python bench/spark_export.py [--users 500] [--segments 4]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.deploy import deploy
from sql2dynamo.commands.design import design
from sql2dynamo.commands.export import export
from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.migrate.spark import spark_context
from sql2dynamo.migrate.spark_options import SparkOptions
from sql2dynamo.testing.dynamodb import boto_client, cpu_seconds, running_local, use_throwaway_home

MASTER = "local[2]"


def tree_cpu(exclude: set[int]) -> float:
    """CPU seconds of this process, its waited-for children, and every live descendant not in ``exclude``."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    me = os.getpid()
    for pid in parents:
        here, seen = pid, 0
        while here in parents and here != me and seen < 64:
            here, seen = parents[here], seen + 1
        if here == me and pid != me and pid not in exclude:
            total += cpu_seconds(pid)
    return total


def timed(run: Callable[[], Any], exclude: set[int]) -> tuple[Any, float, float]:
    """``run()``, its wall seconds and the client CPU seconds it used."""
    cpu0, t0 = tree_cpu(exclude), time.perf_counter()
    result = run()
    return result, time.perf_counter() - t0, tree_cpu(exclude) - cpu0


def fresh(model: Path, endpoint: str) -> None:
    client = boto_client(endpoint)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
    deploy(model, endpoint, reporter=RecordingReporter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--segments", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="s2d-bench-spark-"))
    use_throwaway_home(work / "home")
    url = f"sqlite:///{work / 'algoitny.sqlite'}"
    example = get_example("algoitny")
    engine = sa.create_engine(url)
    rows = sum(example.generate(engine, args.users).values())
    engine.dispose()
    analyze(url, out_dir=work, reporter=RecordingReporter())
    patterns = work / "access_patterns.yaml"
    patterns.write_text(example.access_patterns.read_text())
    model = work / "model"
    design(
        work / "schema.json",
        patterns,
        out_dir=model,
        reporter=RecordingReporter(),
        confirm=lambda g, q: True,
    )
    print(f"AlgoItny: {args.users} users, {rows} rows in SQLite; segments {args.segments}; load {os.getloadavg()}")
    lines: list[tuple[str, int, float, float, str]] = []
    with running_local(in_memory=True) as instance:
        exclude = {instance.pid}
        endpoint = instance.endpoint_url
        fresh(model, endpoint)
        base, seconds, cpu = timed(
            lambda: migrate(url, model, endpoint, reporter=RecordingReporter(), segments=args.segments), exclude
        )
        lines.append(("migrate (threads, baseline)", base.totals()["items"], seconds, cpu, ""))
        (model / ".migrate" / "checkpoints.json").unlink()
        fresh(model, endpoint)
        _, jvm_seconds, _ = timed(lambda: spark_context(MASTER, "sql2dynamo bench"), exclude)
        spark, seconds, cpu = timed(
            lambda: migrate(
                url,
                model,
                endpoint,
                reporter=RecordingReporter(),
                segments=args.segments,
                engine="spark",
                spark=SparkOptions(master=MASTER),
            ),
            exclude,
        )
        lines.append(
            (
                f"migrate --engine spark {MASTER}",
                spark.totals()["items"],
                seconds,
                cpu,
                f"SparkContext start {jvm_seconds:.1f} s, not counted",
            )
        )
        spark_context(MASTER).stop()
        assert verify(url, model, endpoint, reporter=RecordingReporter()).ok, "the spark run does not verify"
        out = work / "export"
        exported, seconds, cpu = timed(
            lambda: export(url, model, out, reporter=RecordingReporter(), segments=args.segments), exclude
        )
        totals = exported.totals()
        mb = totals["bytes"] / 1e6
        raw = totals["uncompressed_bytes"] / 1e6
        lines.append(
            (
                "export (gzip DynamoDB JSON)",
                totals["items"],
                seconds,
                cpu,
                f"{mb / seconds:.2f} MB/s gzip ({mb:.2f} MB), {raw / seconds:.2f} MB/s uncompressed",
            )
        )
        assert verify(url, model, None, reporter=RecordingReporter(), from_export=out).ok, "the export does not verify"
    print(f"{'run':34} {'items':>8} {'seconds':>8} {'items/s':>9} {'CPU s/1k items':>15}")
    for name, items, secs, cpu, note in lines:
        print(f"{name:34} {items:8d} {secs:8.2f} {items / secs:9.0f} {1000 * cpu / max(items, 1):15.3f}  {note}")
    base_rate = lines[0][1] / lines[0][2]
    for name, items, secs, _, _ in lines[1:]:
        print(f"{name} / baseline: {items / secs / base_rate:.2f}x items/s")
    print(f"load after: {os.getloadavg()}; files in {work}")


if __name__ == "__main__":
    main()
