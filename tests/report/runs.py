"""The report tests' inputs: the shipped examples' designed models and made-up validate/verify/migrate results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from sql2dynamo.design.model import DataModel
from sql2dynamo.examples import get_example
from sql2dynamo.target.model_file import load_model
from tests.helpers.data import copy_golden_model

EXAMPLES = ("algoitny", "hustle_hub", "decision_data", "chinook")
STRATEGIES = ("multi-table", "single-table")
HOSTILE = '</pre><script>window.__pwned = 1</script><img src="http://127.0.0.1:9/x.png">'
"""Text that would run script or fetch something if the renderer forgot to escape it."""


def model_dir(example: str, strategy: str, directory: Path) -> Path:
    """The example's designed model (the golden files design is pinned to) with its access_patterns.yaml beside."""
    copy_golden_model(example, strategy, directory)
    shutil.copyfile(get_example(example).access_patterns, directory / "access_patterns.yaml")
    return directory


def failing_pattern(model: DataModel) -> str:
    """The pattern the made-up validate result fails: the first supported read."""
    return next(p.pattern_id for p in model.plans if p.supported and p.kind == "read")


def fake_runs(model: DataModel, directory: Path) -> dict[str, Path]:
    """validate, verify and migrate JSON files as those commands write them, one pattern failing, one item missing."""
    fail = failing_pattern(model)
    patterns: list[dict[str, Any]] = []
    for p in model.plans:
        status = "unsupported" if not p.supported else ("fail" if p.pattern_id == fail else "pass")
        case = {
            "label": "busiest key",
            "params": {"id": 7},
            "ok": status != "fail",
            "expected": 2,
            "actual": 1,
            "calls": 1,
            "capacity": 0.5,
            "difference": None,
        }
        if status == "fail":
            case["difference"] = {
                "reason": "2 row(s) expected, 1 returned",
                "expected": [{"id": 7, "title": HOSTILE}, {"id": 8}],
                "actual": [{"id": 8}],
            }
        patterns.append(
            {
                "pattern_id": p.pattern_id,
                "description": p.description,
                "kind": p.kind,
                "status": status,
                "reason": p.reason
                if status == "unsupported"
                else ("[busiest key] 2 row(s) expected, 1 returned" if status == "fail" else ""),
                "alternative": p.alternative,
                "calls": 1,
                "capacity": 0.5,
                "latency_ms": {"p50": 1.5, "p99": 3.0},
                "cases": [] if status == "unsupported" else [case],
            }
        )
    counts = {s: sum(x["status"] == s for x in patterns) for s in ("pass", "fail", "unsupported")}
    validate = {
        "command": "validate",
        "source": "sqlite:///x.db",
        "model": "m",
        "patterns_file": "p",
        "target": "local",
        "strategy": model.strategy,
        "sample": None,
        "ok": False,
        "seconds": 1.0,
        "counts": counts,
        "patterns": patterns,
    }
    first = model.tables[0]
    verify = {
        "command": "verify",
        "source": "sqlite:///x.db",
        "model": "m",
        "target": "local",
        "ok": False,
        "seconds": 1.0,
        "totals": {},
        "tables": [
            {
                "table": t.name,
                "ok": t is not first,
                "expected": 10,
                "actual": 10 - (t is first),
                "scanned": 10,
                "missing": int(t is first),
                "extra": 0,
                "different": 0,
                "duplicates": 0,
                "rejects": 0,
                "expired": 0,
                "seconds": 0.1,
            }
            for t in model.tables
        ],
        "differences": [{"table": first.name, "kind": "missing", "key": {first.pk.attribute: HOSTILE}}],
        "differences_truncated": False,
        "max_keys": 1000,
        "rejects": [],
    }
    sources = list(dict.fromkeys(e.source_table for t in model.tables for e in t.entities))
    rejects = directory / "rejects"
    rejects.mkdir(parents=True, exist_ok=True)
    (rejects / f"{sources[0]}.jsonl").write_text(
        json.dumps(
            {
                "table": sources[0],
                "key": {"id": 3},
                "reason": "the item is 500000 bytes, over DynamoDB's 400 KB",
                "target": first.name,
            }
        )
        + "\n"
    )
    migrate = {
        "command": "migrate",
        "model": "m",
        "source": "sqlite:///x.db",
        "target": "local",
        "dry_run": False,
        "resumed": False,
        "seconds": 2.0,
        "checkpoints": None,
        "rejects_dir": "rejects",
        "tables": [
            {
                "table": s,
                "read": 10,
                "items": 10 - (n == 0),
                "rejected": int(n == 0),
                "failed": 0,
                "duplicates": 0,
                "segments": 1,
                "segments_skipped": 0,
                "seconds": 0.5,
                "items_per_second": 20.0,
            }
            for n, s in enumerate(sources)
        ],
        "total": {"items": 10 * len(sources) - 1, "items_per_second": 100.0},
    }
    out = {}
    for name, content in (("validate", validate), ("verify", verify), ("migrate", migrate)):
        path = directory / f"{name}.json"
        path.write_text(json.dumps(content, indent=1))
        out[name] = path
    return out


def expected_statuses(model: DataModel) -> dict[str, str]:
    """The status each pattern's row must show for :func:`fake_runs`' validate result."""
    fail = failing_pattern(model)
    return {
        p.pattern_id: ("unsupported" if not p.supported else "fail" if p.pattern_id == fail else "pass")
        for p in model.plans
    }


def load(directory: Path) -> DataModel:
    return load_model(directory)[1]
