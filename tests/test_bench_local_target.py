"""``bench/local_target.py`` keeps working: tiny sizes, every run measured, figures printed (none asserted)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_bench_smoke import run_bench


def test_local_target_bench_prints_every_run_beside_memory(dynamodb_jar: Path) -> None:
    done = run_bench(
        "local_target.py", "--users", "5", "--cycles", "1", "--old-cycles", "1", "--box", "60",
        timeout=600, jar=dynamodb_jar,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    labels = re.findall(
        r"^(memory(?:, streams all \(old model\))?|managed default|data file in /dev/shm|disk in <home>[^\d]*?)"
        r"(?:, reused \(best of 1\))?\s+[\d,]+\s+[\d.]+\s",
        out,
        re.M,
    )
    assert labels == [
        "memory",
        "memory",
        "managed default",
        "managed default",
        "memory, streams all (old model)",
        *(["data file in /dev/shm"] if Path("/dev/shm").is_dir() else []),
        "disk in <home> (old default)",
        "disk in <home>, streams all (old)",
        "disk in <home>, streams all (old)",
    ]
    assert re.search(r"^target: managed default >= 70% of memory: \d+% (MET|MISSED)$", out, re.M)
    reused = r"^target: managed default, reused \(best of 1\) >= 70% of memory, reused \(best of 1\): \d+% "
    assert re.search(reused + "(MET|MISSED)$", out, re.M)
