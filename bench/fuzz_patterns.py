"""Generated access patterns through design and validate: wrong answers (must be 0), unsupported share, reasons.

    .venv/bin/python bench/fuzz_patterns.py [--count 1000] [--seed 1] [--rows 60] [--examples algoitny,chinook,...]

For each example, its rows are generated into a SQLite file and analyzed; ``--count`` patterns in
all (split over the examples) are drawn by :func:`sql2dynamo.workload.fuzz.generate_patterns` from
the seed, designed (multi-table) and validated on a fresh in-memory DynamoDB Local.  A pattern that
fails validate is a wrong answer: the plan returned or changed other rows than its SQL.  Printed:
patterns, passed, wrong answers (each with its SQL and the first difference), unsupported share and
the unsupported reasons by count.  Exits 1 when any answer is wrong.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.commands.validate import validate
from sql2dynamo.common.errors import Sql2DynamoError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.testing.dynamodb import boto_client, running_local
from sql2dynamo.workload.fuzz import generate_patterns
from sql2dynamo.workload.patterns.write import dump_patterns

EXAMPLES = ("algoitny", "chinook", "hustle_hub", "decision_data")


def run_example(name: str, count: int, seed: int, rows: int, work: Path, endpoint: str) -> list[tuple[str, str, str]]:
    """(pattern id, status, reason or SQL) for ``count`` generated patterns over one example."""
    url = f"sqlite:///{work / 'source.sqlite'}"
    engine = sa.create_engine(url)
    try:
        get_example(name).generate(engine, rows=rows)
    finally:
        engine.dispose()
    quiet = RecordingReporter()
    analyzed = analyze(url, out_dir=work / "analysis", reporter=quiet, application=name)
    patterns = generate_patterns(analyzed.schema, seed=seed, count=count, application=name)
    model_dir = work / "design"
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "access_patterns.yaml").write_text(dump_patterns(patterns), encoding="utf-8")
    design(
        analyzed.schema_path,
        model_dir / "access_patterns.yaml",
        out_dir=model_dir,
        reporter=quiet,
        confirm=lambda gate, question: True,
    )
    result = validate(url, model_dir, endpoint, reporter=quiet)
    sql = {p.id: p.sql for p in patterns.patterns}
    out: list[tuple[str, str, str]] = []
    for p in result.patterns:
        detail = p.reason if p.status != "pass" else ""
        if p.status == "fail":
            detail = f"{detail} -- {sql[p.pattern_id]}"
        out.append((f"{name}/{p.pattern_id}", p.status, detail))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=1000, help="patterns in all (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=60, help="rows of each example's main entity")
    parser.add_argument("--examples", default=",".join(EXAMPLES))
    args = parser.parse_args()
    names = [n for n in args.examples.split(",") if n]
    started = time.perf_counter()
    results: list[tuple[str, str, str]] = []
    with running_local(in_memory=True) as instance, tempfile.TemporaryDirectory() as tmp:
        for n, name in enumerate(names):
            share = args.count // len(names) + (1 if n < args.count % len(names) else 0)
            print(f"{name}: {share} patterns ...", file=sys.stderr, flush=True)
            work = Path(tmp) / name
            work.mkdir()
            try:
                results += run_example(name, share, args.seed, args.rows, work, instance.endpoint_url)
            except Sql2DynamoError as exc:  # design or deploy refused the generated model: a bug to report
                results.append((f"{name}/*", "fail", f"{type(exc).__name__}: {exc.one_line()}"))
            client = boto_client(instance.endpoint_url)
            for table in client.list_tables()["TableNames"]:  # examples share table names (users)
                client.delete_table(TableName=table)
    statuses = collections.Counter(status for _, status, _ in results)
    wrong = [(pid, detail) for pid, status, detail in results if status == "fail"]
    reasons = collections.Counter(
        re.sub(r"`[^`]*`", "`...`", detail) for _, status, detail in results if status == "unsupported"
    )
    total = len(results)
    print(f"patterns: {total}  passed: {statuses['pass']}  seconds: {time.perf_counter() - started:.0f}")
    print(f"wrong answers: {len(wrong)}")
    for pid, detail in wrong:
        print(f"  {pid}: {detail[:400]}")
    print(f"unsupported: {statuses['unsupported']} ({statuses['unsupported'] / max(total, 1):.1%})")
    for reason, n in reasons.most_common():
        print(f"  {n:5d}  {reason[:160]}")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
