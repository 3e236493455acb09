"""The managed DynamoDB Local against the real jar: lifecycle, persistence, isolation, safety."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sql2dynamo.commands.deploy import deploy, destroy
from sql2dynamo.common.errors import PrerequisiteError, TargetError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local, process
from sql2dynamo.target.clients import local_client
from sql2dynamo.target.prerequisites import HOME_ENV, JAR_ENV
from sql2dynamo.testing.dynamodb import free_port
from tests.helpers.data import copy_golden_model
from tests.helpers.dynamodb import StartLocal, create_table, table_names

pytestmark = pytest.mark.dynamodb


def _state_file(port: int) -> Path:
    return local.state_dir() / f"{port}.json"


def test_lifecycle_persists_tables_across_restarts(start_local: StartLocal, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_local(data_dir=data_dir)
    port = first.port
    assert first.endpoint_url == f"http://127.0.0.1:{port}"
    assert first.data_dir == data_dir.resolve()
    assert not first.in_memory
    assert _state_file(port).is_file()

    st = local.status(port)
    assert st.running and st.pid == first.pid and st.tables == 0 and st.data_dir == data_dir.resolve()

    create_table(first.endpoint_url, "persisted")
    assert local.status(port).tables == 1

    assert local.stop(port) is True
    assert not _state_file(port).exists()
    after = local.status(port)
    assert not after.running and after.pid is None and not after.foreign_listener

    second = start_local(port=port, data_dir=data_dir)
    assert second.pid != first.pid
    assert table_names(second.endpoint_url) == ["persisted"]


def test_an_instance_left_without_tables_starts_over_on_a_fresh_data_file(
    start_local: StartLocal, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first = start_local(data_dir=data_dir)
    create_table(first.endpoint_url, "kept")
    db = data_dir / local.SHARED_DB_FILE
    assert db.is_file()
    assert local.reset_if_empty(first.port) is False  # a table is left: nothing changes
    assert local.status(first.port).pid == first.pid

    boto = local_client(first.endpoint_url, probe=True)
    boto.delete_table(TableName="kept")
    boto.get_waiter("table_not_exists").wait(TableName="kept", WaiterConfig={"Delay": 1})
    old_inode = db.stat().st_ino
    reporter = RecordingReporter()
    assert local.reset_if_empty(first.port, reporter) is True
    st = local.status(first.port)
    assert st.running and st.pid != first.pid and st.data_dir == data_dir.resolve() and st.tables == 0
    assert not db.exists() or db.stat().st_ino != old_inode  # a new file (DynamoDB Local creates it on use)
    assert any("fresh data file" in m for m in reporter.messages("info"))
    create_table(st.endpoint_url, "again")  # the restarted instance works
    assert table_names(st.endpoint_url) == ["again"]

    in_memory = start_local(in_memory=True)
    assert local.reset_if_empty(in_memory.port) is False  # nothing on a disk to start over from
    assert local.reset_if_empty(free_port()) is False  # no instance at all


def test_side_by_side_instances_and_in_memory(start_local: StartLocal, tmp_path: Path) -> None:
    on_disk = start_local(data_dir=tmp_path / "a")
    in_memory = start_local(in_memory=True)
    assert on_disk.port != in_memory.port

    create_table(on_disk.endpoint_url, "only_on_disk")
    create_table(in_memory.endpoint_url, "only_in_memory")
    assert table_names(on_disk.endpoint_url) == ["only_on_disk"]
    assert table_names(in_memory.endpoint_url) == ["only_in_memory"]

    st = local.status(in_memory.port)
    assert st.running and st.in_memory and st.data_dir is None and st.tables == 1
    assert json.loads(_state_file(in_memory.port).read_text())["in_memory"] is True

    # In memory means gone after a restart.
    assert local.stop(in_memory.port)
    again = start_local(port=in_memory.port, in_memory=True)
    assert table_names(again.endpoint_url) == []
    assert table_names(on_disk.endpoint_url) == ["only_on_disk"]


def test_start_is_idempotent_and_refuses_other_storage(start_local: StartLocal, s2d_home: Path) -> None:
    first = start_local()
    assert first.data_dir == (s2d_home / "local" / f"data-{first.port}").resolve()
    assert first.log_file.parent == s2d_home / "local"
    assert "Initializing DynamoDB Local" in first.log_file.read_text()

    reporter = RecordingReporter()
    again = local.start(port=first.port, reporter=reporter)
    assert again == first
    assert any("already running" in m for m in reporter.messages("info"))

    # --target local accepts whatever storage the running instance has.
    assert local.ensure_running(first.port) == first

    with pytest.raises(UsageError) as err:
        local.start(port=first.port, in_memory=True)
    assert f"sql2dynamo local stop --port {first.port}" in err.value.one_line()


def test_port_used_by_a_dynamodb_we_did_not_start(
    start_local: StartLocal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    running = start_local(in_memory=True)
    # Another home has no state file for the port: to it, the instance is foreign.
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "other-home"))
    with pytest.raises(TargetError) as err:
        local.start(port=running.port)
    assert f"--target http://127.0.0.1:{running.port}" in err.value.one_line()

    st = local.status(running.port)
    assert not st.running and st.foreign_listener
    reporter = RecordingReporter()
    assert local.stop(running.port, reporter=reporter) is False
    assert reporter.messages("warning")
    assert process.is_alive(running.pid)  # left alone


def test_port_used_by_another_program(bare_home: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = int(sock.getsockname()[1])
        with pytest.raises(TargetError, match="used by another program"):
            local.start(port=port, in_memory=True)
    assert not _state_file(port).exists()


def test_stop_when_nothing_runs(bare_home: Path) -> None:
    port = free_port()
    assert local.stop(port) is False
    assert local.status(port).running is False


@pytest.mark.parametrize("content", ["not json", '{"port": 1}', ""])
def test_stop_removes_damaged_state_files(bare_home: Path, content: str) -> None:
    port = free_port()
    _state_file(port).parent.mkdir(parents=True)
    _state_file(port).write_text(content)
    assert local.stop(port) is False
    assert not _state_file(port).exists()


def test_stale_state_file_never_kills_a_reused_pid(bare_home: Path) -> None:
    """A state file whose pid now belongs to another program: that program survives."""
    port = free_port()
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        state = {
            "port": port,
            "endpoint_url": f"http://127.0.0.1:{port}",
            "pid": bystander.pid,
            "data_dir": None,
            "in_memory": True,
            "log_file": str(bare_home / "x.log"),
            "jar": "/nowhere/DynamoDBLocal.jar",
        }
        _state_file(port).parent.mkdir(parents=True)
        _state_file(port).write_text(json.dumps(state))
        assert local.status(port).running is False
        assert local.stop(port) is False
        assert bystander.poll() is None
        assert not _state_file(port).exists()
    finally:
        bystander.kill()
        bystander.wait()


def test_jvm_that_exits_at_startup_reports_its_log(s2d_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = s2d_home / "broken" / "DynamoDBLocal.jar"
    broken.parent.mkdir(parents=True)
    broken.write_text("this is not a jar")
    monkeypatch.setenv(JAR_ENV, str(broken))
    port = free_port()
    with pytest.raises(PrerequisiteError) as err:
        local.start(port=port, in_memory=True)
    assert "exited during startup" in err.value.message
    assert "jar" in err.value.context.extra["log_tail"].lower()
    assert not _state_file(port).exists()


def test_bad_arguments(bare_home: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        local.start(port=free_port(), data_dir=tmp_path, in_memory=True)
    with pytest.raises(UsageError):
        local.status(70000)


def test_destroy_of_the_last_tables_restarts_on_a_fresh_data_file(start_local: StartLocal, tmp_path: Path) -> None:
    model_dir = copy_golden_model("decision_data", "multi-table", tmp_path / "model")
    yes = lambda gate, question: True  # noqa: E731
    first = start_local(data_dir=tmp_path / "data")
    target = f"local:{first.port}"
    deploy(model_dir, target, reporter=RecordingReporter())
    create_table(first.endpoint_url, "someone_elses")
    destroy(model_dir, target, reporter=RecordingReporter(), confirm=yes)
    assert local.status(first.port).pid == first.pid  # a table is left: the instance and its file stay

    deploy(model_dir, target, reporter=RecordingReporter())
    local_client(first.endpoint_url, probe=True).delete_table(TableName="someone_elses")
    destroy(model_dir, target, reporter=RecordingReporter(), confirm=yes)
    st = local.status(first.port)
    assert st.running and st.pid != first.pid and st.tables == 0 and st.data_dir == (tmp_path / "data").resolve()
