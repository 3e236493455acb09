"""A full disk is a one-line error naming the file (exit 4), with no half-written output (issue 14, item 13).

A 64 KiB tmpfs, filled up, stands for the full disk: analyze writing its ``schema.json`` there, and a
migrate whose rejects directory is there.  Each stops with exit 4 and one ``error:`` line naming the file;
no partial file is left; the migration's unconfirmed batch is not checkpointed, so ``--resume`` (with
room again) carries every row, and verify is clean.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from tests.helpers.cli import run_cli
from tests.helpers.skips import skip_or_fail
from tests.migrate.test_run import fresh_tables, make_model

pytestmark = pytest.mark.dynamodb

PATTERNS = """\
application: full
patterns:
  - id: AP01
    description: One note
    sql: SELECT * FROM note WHERE id = :id
    rps: {avg: 5, peak: 10}
"""


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A directory on a 64 KiB tmpfs with no room left (needs root to mount, as CI runs)."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        skip_or_fail(f"cannot mount a tmpfs to fill up ({done.stderr.decode().strip()}): run the tests as root")
    try:
        filler = mount / "filler"
        with filler.open("wb", buffering=0) as fh:
            try:
                while True:
                    fh.write(b"x" * 512)
            except OSError:
                pass  # full
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _notes(tmp_path: Path) -> str:
    path = tmp_path / "notes.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
        rows = [(i, "x" * (500_000 if i == 3 else 10)) for i in range(1, 41)]  # row 3: over 400 KB, a reject
        conn.executemany("INSERT INTO note VALUES (?, ?)", rows)
    return f"sqlite:///{path}"


def test_a_full_disk_is_one_line_and_nothing_half_written(
    tmp_path: Path,
    full_disk: Path,
    shared_local: tuple[local.LocalInstance, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = _notes(tmp_path)
    res = run_cli(capsys, "analyze", url, "-o", str(full_disk / "out"))
    assert res.code == 4, res.err
    errors = [line for line in res.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "schema.json" in errors[0] and "no space left" in errors[0], res.err
    assert [p.name for p in full_disk.rglob("*") if p.is_file()] == ["filler"]

    endpoint = shared_local[0].endpoint_url
    model_dir = make_model(url, tmp_path / "model", PATTERNS)
    fresh_tables(model_dir, endpoint)
    with pytest.raises(InputError) as stopped:
        migrate(url, model_dir, endpoint, reporter=RecordingReporter(), rejects_dir=full_disk / "rejects", batch_size=8)
    assert stopped.value.exit_code == 4 and "note.jsonl" in stopped.value.one_line()
    assert all(p.stat().st_size == 0 for p in full_disk.rglob("*.jsonl"))

    os.unlink(full_disk / "filler")  # room again
    resumed = migrate(url, model_dir, endpoint, reporter=RecordingReporter(), rejects_dir=full_disk / "rejects",
                      resume=True)  # fmt: skip
    assert resumed.totals()["rejected"] == 1, resumed.summary()
    checked = verify(url, model_dir, endpoint, reporter=RecordingReporter())
    assert checked.ok and checked.totals()["missing"] == 0, checked.summary()
