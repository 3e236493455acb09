"""``sql2dynamo local ...`` through click, against the real jar."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sql2dynamo.cli.local import local_group
from sql2dynamo.common.errors import PrerequisiteError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.target.prerequisites import HOME_ENV, JAR_ENV
from sql2dynamo.testing.dynamodb import free_port


def _invoke(*args: str, reporter: RecordingReporter | None = None) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(local_group, list(args), obj={"reporter": reporter or RecordingReporter()})
    return result.exit_code, result.output, result.exception


@pytest.mark.dynamodb
def test_start_status_stop(s2d_home: Path) -> None:
    port = str(free_port())
    try:
        reporter = RecordingReporter()
        code, out, exc = _invoke("start", "--port", port, "--in-memory", reporter=reporter)
        assert (code, exc) == (0, None), out
        assert f"http://127.0.0.1:{port}" in out and f"--target local:{port}" in out
        assert reporter.messages("task")  # progress went to the injected reporter

        code, out, _ = _invoke("status", "--port", port)
        assert code == 0 and "running" in out and "in memory" in out and "tables:   0" in out

        code, out, _ = _invoke("status", "--port", port, "--json")
        data = json.loads(out)
        assert data["running"] is True and data["in_memory"] is True and data["port"] == int(port)

        code, out, exc = _invoke("start", "--port", port, "--data-dir", str(s2d_home / "d"))
        assert isinstance(exc, UsageError)

        code, out, _ = _invoke("stop", "--port", port)
        assert code == 0 and "stopped" in out
    finally:
        local.stop(int(port))
    code, out, _ = _invoke("stop", "--port", port)
    assert code == 0 and "nothing to stop" in out
    code, out, _ = _invoke("status", "--port", port, "--json")
    assert json.loads(out)["running"] is False


def test_status_when_not_running(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    port = str(free_port())
    code, out, exc = _invoke("status", "--port", port)
    assert (code, exc) == (0, None)
    assert "not running" in out and f"sql2dynamo local start --port {port}" in out


def test_errors_propagate_as_sql2dynamo_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    monkeypatch.setenv(JAR_ENV, str(tmp_path / "nope.jar"))
    _, _, exc = _invoke("start", "--port", str(free_port()))
    assert isinstance(exc, PrerequisiteError) and "sql2dynamo local install" in exc.one_line()

    _, _, exc = _invoke("start", "--in-memory", "--data-dir", str(tmp_path))
    assert isinstance(exc, UsageError)

    monkeypatch.setenv("PATH", str(tmp_path))
    _, _, exc = _invoke("install")
    assert isinstance(exc, PrerequisiteError) and "npm" in exc.one_line()


def test_bad_port_is_rejected_by_click() -> None:
    code, out, _ = _invoke("start", "--port", "70000")
    assert code == 2 and "70000" in out
