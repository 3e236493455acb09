"""Benchmark: design a generated 500-table schema with 2,000 access patterns.

Target (issue 3): the whole `design` command -- parsing every pattern, the
engine, costs, documents and the validated contract -- finishes in under 5 s
on the project's 2-core machine.  Prints the figures; asserts nothing (this
machine is shared and noisy: compare runs, not thresholds).

    .venv/bin/python bench/design_scale.py [--tables 500] [--patterns 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sql2dynamo.commands.design import design
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.source.model import (
    Column,
    ColumnStats,
    FanOut,
    ForeignKey,
    Schema,
    SourceInfo,
    Table,
    TableStats,
    UniqueConstraint,
    schema_to_dict,
)

# The module itself (``sql2dynamo.commands.design`` as an attribute is the function of the same name).
design_command = importlib.import_module("sql2dynamo.commands.design")


def _col(name: str, normalized: str, nullable: bool, distinct: int, avg: float) -> Column:
    stats = ColumnStats(
        null_fraction=0.1 if nullable else 0.0,
        distinct_estimate=distinct,
        sampled_rows=1000,
        exact=False,
        avg_bytes=avg,
        max_bytes=int(avg * 3),
    )
    source = {
        "integer": "integer",
        "string": "character varying(100)",
        "datetime": "timestamp",
        "boolean": "boolean",
        "decimal": "numeric(10,2)",
    }[normalized]
    return Column(name, source, normalized, nullable, stats=stats)


def generate(n_tables: int, n_patterns: int, seed: int = 1) -> tuple[dict[str, object], str]:
    rng = random.Random(seed)
    tables = []
    for i in range(n_tables):
        rows = rng.choice([100, 10_000, 1_000_000])
        cols = [
            _col("id", "integer", False, rows, 4),
            _col("email", "string", False, rows, 24),
            _col("status", "string", False, 5, 7),
            _col("is_active", "boolean", False, 2, 1),
            _col("amount", "decimal", True, rows // 10 + 1, 5),
            _col("created_at", "datetime", False, rows, 19),
        ]
        fks: tuple[ForeignKey, ...] = ()
        if i:
            parent = rng.randrange(i)
            cols.append(_col("parent_id", "integer", False, max(1, rows // 20), 4))
            fks = (
                ForeignKey(
                    f"fk_{i}",
                    ("parent_id",),
                    f"t{parent:03d}",
                    ("id",),
                    fanout=FanOut(rows, max(1, rows // 20), 20.0, 80, 200, "exact", None),
                ),
            )
        tables.append(
            Table(
                name=f"t{i:03d}",
                columns=tuple(cols),
                primary_key=("id",),
                foreign_keys=fks,
                unique_constraints=(UniqueConstraint(f"uq_{i}", ("email",), "constraint"),) if i % 3 == 0 else (),
                stats=TableStats(rows, True, 90.0, 300, 1000, "tablesample"),
            )
        )
    schema = Schema(SourceInfo("postgresql", None, "bench"), tuple(tables))
    shapes = [
        "SELECT * FROM {t} WHERE id = :id",
        "SELECT * FROM {t} WHERE status = :status ORDER BY created_at DESC LIMIT 20",
        "SELECT * FROM {t} WHERE is_active = TRUE ORDER BY created_at DESC LIMIT 50",
        "SELECT COUNT(*) FROM {t} WHERE status = :status AND created_at >= :since",
        "INSERT INTO {t} (id, email, status, is_active, created_at) VALUES (:id, :email, :status, TRUE, :now)",
        "UPDATE {t} SET status = :status WHERE id = :id",
        "DELETE FROM {t} WHERE id = :id",
        "SELECT * FROM {t} WHERE email = :email",
    ]
    lines = ["application: bench", "dialect: postgresql", "patterns:"]
    for n in range(n_patterns):
        t = f"t{rng.randrange(n_tables):03d}"
        sql = rng.choice(shapes).format(t=t)
        if "parent_id" in {c.name for c in tables[int(t[1:])].columns} and rng.random() < 0.2:
            sql = f"SELECT * FROM {t} WHERE parent_id = :parent_id ORDER BY created_at LIMIT 20"
        avg = rng.choice([0.5, 5, 50, 500])
        lines += [
            f"  - id: P{n:04d}",
            f"    description: pattern {n}",
            f"    sql: {sql}",
            f"    rps: {{avg: {avg}, peak: {avg * 4}}}",
            "    consistency: eventual",
        ]
    return schema_to_dict(schema), "\n".join(lines) + "\n"


# The steps `design` runs, in order, as named in sql2dynamo.commands.design.
STAGES = (
    "load_inputs",
    "resolve_patterns",
    "render_requirements",
    "atomic_write_text",
    "build_model",
    "finalize",
    "contract_json",
    "render_data_model",
    "render_data_model_json",
    "write_files_atomically",
)


@contextlib.contextmanager
def stage_timer() -> Iterator[dict[str, float]]:
    """Seconds spent in each of ``STAGES`` while the block runs `design` (the module's names, wrapped)."""
    seconds = dict.fromkeys(STAGES, 0.0)
    originals = {name: getattr(design_command, name) for name in STAGES}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[name] += time.perf_counter() - start

        return wrapper

    for name, fn in originals.items():
        setattr(design_command, name, timed(name, fn))
    try:
        yield seconds
    finally:
        for name, fn in originals.items():
            setattr(design_command, name, fn)


@contextlib.contextmanager
def gc_timer() -> Iterator[dict[int, list[float]]]:
    """Per generation, the seconds of each cyclic garbage collection while the block runs (part of the stages)."""
    spent: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[info["generation"]].append(time.perf_counter() - started[0])

    gc.callbacks.append(callback)
    try:
        yield spent
    finally:
        gc.callbacks.remove(callback)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=500)
    parser.add_argument("--patterns", type=int, default=2000)
    args = parser.parse_args()
    schema, patterns = generate(args.tables, args.patterns)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "schema.json").write_text(json.dumps(schema))
        (d / "access_patterns.yaml").write_text(patterns)
        with stage_timer() as stages, gc_timer() as collections:
            start, cpu_start = time.perf_counter(), time.process_time()
            result = design(
                d / "schema.json",
                d / "access_patterns.yaml",
                out_dir=d / "out",
                reporter=RecordingReporter(),
                confirm=lambda gate, question: True,
            )
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
        sizes = {p.name: p.stat().st_size for p in result.files}
    model = result.model
    print(
        f"design of {args.tables} tables, {args.patterns} patterns: {seconds:.2f} s (target < 5 s);"
        f" {cpu_seconds:.2f} s of CPU (steadier than wall time on a busy machine)"
    )
    print(
        f"  model: {len(model.tables)} DynamoDB tables, {sum(len(t.indexes) for t in model.tables)} GSIs, "
        f"{sum(p.supported for p in model.plans)} patterns served, {len(model.decisions)} decisions, "
        f"{len(model.warnings)} warnings"
    )
    print("  files: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items()))
    print("  stages:")
    for name, s in [*stages.items(), ("other", seconds - sum(stages.values()))]:
        print(f"    {name:<24}{s:6.2f} s")
    gc_seconds = sum(sum(times) for times in collections.values())
    print(
        f"  garbage collection (within the stages): {gc_seconds:.2f} s, of which {sum(collections[2]):.2f} s"
        f" in {len(collections[2])} full collection(s)"
    )


if __name__ == "__main__":
    main()
