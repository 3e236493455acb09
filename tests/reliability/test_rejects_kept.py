"""Rejects are kept per run and every file the tool writes is its user's only (issue 14, items 3 and 6).

On each source: a migrate with bad rows, then a ``--dry-run``, then a migrate stopped by
``--on-error-stop`` (exit 4): each run has its own rejects directory and no run changes an earlier one's.
Everything written under the model directory (analyze's and design's files, checkpoints, rejects,
verify's ``--report`` and ``--summary``) is ``0600`` in ``0700`` directories whatever the umask, and a
managed DynamoDB Local keeps its tables in a ``0700`` directory of ``0600`` files.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client, running_local
from tests.helpers import dynamodb
from tests.helpers.cli import run_cli
from tests.migrate.test_run import fresh_tables, make_model
from tests.reliability.test_bad_rows import PATTERNS, notes_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.dynamodb


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A permissive umask (0022, the usual default) for the test: the tool must not rely on the user's."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_private(root: Path) -> int:
    """Every file under ``root`` is 0600 and every directory 0700; returns how many files were checked."""
    files = 0
    for path in sorted(root.rglob("*")):
        if path.is_dir():
            assert _mode(path) == 0o700, (path, oct(_mode(path)))
        else:
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
            files += 1
    return files


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_each_run_keeps_its_rejects_and_writes_only_private_files(
    notes_url: tuple[str, str],  # noqa: F811
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
    open_umask: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, url = notes_url
    endpoint = shared_local[0].endpoint_url
    model_dir = tmp_path / "model"
    make_model(url, model_dir, PATTERNS)
    fresh_tables(model_dir, endpoint)

    first = migrate(url, model_dir, endpoint, reporter=RecordingReporter(), batch_size=8)
    assert first.totals()["rejected"] == 3
    kept = _snapshot(first.rejects_dir)
    assert list(kept) == ["note.jsonl"] and kept["note.jsonl"].count(b"\n") == 3

    dry = migrate(url, model_dir, None, reporter=RecordingReporter(), dry_run=True)
    assert dry.rejects_dir != first.rejects_dir and dry.rejects_dir.name.endswith("-dry-run")
    assert _snapshot(first.rejects_dir) == kept
    assert _snapshot(dry.rejects_dir)["note.jsonl"].count(b"\n") == 3

    with pytest.raises(InputError) as stopped:
        migrate(url, model_dir, endpoint, reporter=RecordingReporter(), on_error_stop=True)
    assert stopped.value.exit_code == 4
    assert _snapshot(first.rejects_dir) == kept
    runs = sorted(p.name for p in (model_dir / "rejects").iterdir())
    assert len(runs) == 3, runs

    report, summary = model_dir / "out" / "verify.json", model_dir / "out" / "summary.json"
    res = run_cli(
        capsys, "verify", url, "--model", str(model_dir), "--target", endpoint,
        "--report", str(report), "--summary", str(summary),
    )  # fmt: skip
    assert res.code == 0, res.err
    assert report.exists() and summary.exists()
    assert assert_private(model_dir / "rejects") >= 3
    assert assert_private(model_dir / ".migrate") == 1
    assert assert_private(model_dir / "out") == 2
    for name in ("schema.json", "data_model.json"):
        assert _mode(model_dir / name) == 0o600, name


def test_dynamodb_local_keeps_its_tables_private(
    tmp_path: Path, dynamodb_jar: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    dynamodb.use_home(monkeypatch, tmp_path / "home", dynamodb_jar)
    data = tmp_path / "home" / "tables"
    with running_local(data_dir=data) as instance:
        client = boto_client(instance.endpoint_url)
        client.create_table(
            TableName="rows",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="rows", Item={"pk": {"S": "a row"}})
        assert assert_private(data) >= 1
        assert _mode(instance.log_file) == 0o600
