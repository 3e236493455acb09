"""A managed DynamoDB Local: start, stop and inspect JVMs that outlive the command.

Each instance is a detached JVM (its own session, so Ctrl-C on the shell does
not kill it) described by a state file ``<home>/local/<port>.json``; separate
commands find it through that file.  An instance ``--target local`` starts
by itself keeps its tables in memory (see :func:`ensure_running`); ``local
start`` keeps them in ``<home>/local/data-<port>`` (or ``--data-dir``) unless
told ``--in-memory``.  ``$SQL2DYNAMO_DYNAMODB_LOCAL_JAVA_OPTS``
adds JVM options (like ``-Xmx2g``).  Note that DynamoDB Local has no bind
address option: it listens on every interface of the machine.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sql2dynamo.common.errors import PrerequisiteError, TargetError, UsageError
from sql2dynamo.common.fsutil import atomic_write_text, private_dir
from sql2dynamo.common.reporting import Progress, Reporter
from sql2dynamo.target import process
from sql2dynamo.target.clients import local_client
from sql2dynamo.target.prerequisites import (
    find_jar,
    find_java,
    home_dir,
    native_lib_dir,
    tail,
)

__all__ = [
    "DEFAULT_PORT",
    "JAVA_OPTS_ENV",
    "LocalInstance",
    "LocalStatus",
    "endpoint_url",
    "ensure_running",
    "reset_if_empty",
    "start",
    "state_dir",
    "status",
    "stop",
]

JAVA_OPTS_ENV = "SQL2DYNAMO_DYNAMODB_LOCAL_JAVA_OPTS"
"""Extra JVM options for DynamoDB Local (like ``-Xmx2g``), split as a shell would."""

DEFAULT_PORT = 8000
SHARED_DB_FILE = "shared-local-instance.db"
"""The one SQLite file DynamoDB Local keeps every table in under ``-sharedDb``."""
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
_POLL_S = 0.2


@dataclass(frozen=True)
class LocalInstance:
    """A running DynamoDB Local started by sql2dynamo."""

    port: int
    endpoint_url: str
    pid: int
    data_dir: Path | None
    in_memory: bool
    log_file: Path
    jar: Path

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (paths as strings)."""
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class LocalStatus:
    """What ``status`` found on a port.  ``tables`` is None when they could not be counted."""

    running: bool
    port: int
    endpoint_url: str
    pid: int | None = None
    data_dir: Path | None = None
    in_memory: bool = False
    tables: int | None = None
    foreign_listener: bool = False
    """Something sql2dynamo did not start listens on the port."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (paths as strings)."""
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


def state_dir() -> Path:
    """Where state files, logs and default data directories live (``<home>/local``)."""
    return home_dir() / "local"


def endpoint_url(port: int) -> str:
    """The URL of a local instance on ``port``."""
    return f"http://127.0.0.1:{port}"


def start(
    port: int = DEFAULT_PORT,
    data_dir: Path | None = None,
    in_memory: bool = False,
    reporter: Reporter | None = None,
) -> LocalInstance:
    """Start DynamoDB Local on ``port`` and wait until it answers; return the running instance.

    Tables persist in ``data_dir`` (default ``<home>/local/data-<port>``) unless
    ``in_memory``.  Idempotent: if sql2dynamo already runs an instance with the
    same storage on the port, that one is returned.  Raises ``PrerequisiteError``
    (no Java, no jar, JVM exited), ``TargetError`` (port taken, no answer in time)
    or ``UsageError`` (conflicting options, or a running instance uses other storage).
    """
    if in_memory and data_dir is not None:
        raise UsageError("--in-memory and --data-dir exclude each other", hint="use one of them")
    _check_port(port)
    wanted_dir = None if in_memory else (data_dir or _default_data_dir(port)).expanduser().resolve()
    return _start(port, wanted_dir, in_memory, _quiet(reporter), match=True)


def ensure_running(port: int = DEFAULT_PORT, reporter: Reporter | None = None) -> LocalInstance:
    """The instance on ``port``, started in memory if none runs.

    This is what ``--target local`` uses: whatever storage a running instance has
    is accepted, so the user's ``local start --data-dir DIR`` keeps working.  It
    starts one in memory because DynamoDB Local's SQLite syncs every write to
    its data file: ``bench/local_target.py`` measured migrate onto a disk many
    times slower than in memory, and still well slower with the file in
    ``/dev/shm`` (the README has the figures).  The tables live as long as the
    JVM, which keeps running between commands; ``local start`` (on a disk by
    default) is there for tables that must outlive it.
    """
    _check_port(port)
    return _start(port, None, True, _quiet(reporter), match=False)


def status(port: int = DEFAULT_PORT) -> LocalStatus:
    """Whether sql2dynamo runs DynamoDB Local on ``port``, and how many tables it holds."""
    _check_port(port)
    url = endpoint_url(port)
    instance = _running_instance(port)
    if instance is None:
        return LocalStatus(running=False, port=port, endpoint_url=url, foreign_listener=process.port_in_use(port))
    return LocalStatus(
        running=True,
        port=port,
        endpoint_url=url,
        pid=instance.pid,
        data_dir=instance.data_dir,
        in_memory=instance.in_memory,
        tables=_count_tables(url),
    )


def stop(port: int = DEFAULT_PORT, reporter: Reporter | None = None) -> bool:
    """Stop the instance sql2dynamo runs on ``port``; False if none was running.

    The whole process group is terminated (then killed after a grace period), and
    the state file is removed; a stale state file is just removed.  A process
    sql2dynamo did not start is never touched.
    """
    _check_port(port)
    report = _quiet(reporter)
    with process.port_lock(_lock_file(port)):
        instance = _running_instance(port)
        if instance is None:
            if _state_file(port).exists():
                _state_file(port).unlink(missing_ok=True)
                report.info(f"removed the stale state of a DynamoDB Local on port {port} that no longer runs")
            if process.port_in_use(port):
                report.warning(f"port {port} is used by a process sql2dynamo did not start; left alone")
            return False
        process.terminate_group(instance.pid, STOP_TIMEOUT_S)
        _state_file(port).unlink(missing_ok=True)
    return True


def reset_if_empty(port: int = DEFAULT_PORT, reporter: Reporter | None = None) -> bool:
    """Give a managed disk-backed instance that holds no table a fresh data file; True if it did.

    DynamoDB Local keeps every table of ``-sharedDb`` in one SQLite file that
    deleting tables does not shrink, and the stream records of deleted tables
    stay in it: an instance reused after ``destroy`` got slower every cycle
    (and the file grew past a gigabyte).  When the last table is gone there is
    nothing to keep, so the JVM is stopped, the file deleted and the instance
    started again on the same directory.  An in-memory instance, one holding
    tables, one sql2dynamo did not start, or none at all is left alone.
    """
    _check_port(port)
    report = _quiet(reporter)
    with process.port_lock(_lock_file(port)):
        instance = _running_instance(port)
        if instance is None or instance.in_memory or instance.data_dir is None:
            return False
        if _count_tables(instance.endpoint_url) != 0:
            return False
        process.terminate_group(instance.pid, STOP_TIMEOUT_S)
        _state_file(port).unlink(missing_ok=True)
        # Only the files DynamoDB Local writes: the directory may be the user's (--data-dir).
        for name in (SHARED_DB_FILE, SHARED_DB_FILE + "-journal"):
            (instance.data_dir / name).unlink(missing_ok=True)
        _start_locked(port, instance.data_dir, False, report, match=True)
    report.info(f"DynamoDB Local on port {port} held no table any more: restarted on a fresh data file")
    return True


def _start(port: int, data_dir: Path | None, in_memory: bool, report: Reporter, *, match: bool) -> LocalInstance:
    with process.port_lock(_lock_file(port)):
        return _start_locked(port, data_dir, in_memory, report, match=match)


def _start_locked(port: int, data_dir: Path | None, in_memory: bool, report: Reporter, *, match: bool) -> LocalInstance:
    """:func:`_start`'s work, the port's lock held by the caller."""
    running = _running_instance(port)
    if running is not None:
        if match and (running.in_memory != in_memory or running.data_dir != data_dir):
            raise UsageError(
                f"DynamoDB Local already runs on port {port} with {_storage(running)}, "
                f"not {_storage_of(data_dir, in_memory)}",
                hint=f"stop it first with `sql2dynamo local stop --port {port}`, or use another port",
            )
        _wait_ready(running, None)
        report.info(f"DynamoDB Local already running at {running.endpoint_url} (pid {running.pid})")
        return running
    _state_file(port).unlink(missing_ok=True)
    if process.port_in_use(port):
        raise _port_taken(port)
    jar = find_jar()
    java = find_java()
    instance = _spawn(java, jar, port, data_dir, in_memory)
    with report.task(f"Starting DynamoDB Local on port {port}"):
        try:
            _wait_ready(instance, process.child(instance.pid))
        except BaseException:
            process.terminate_group(instance.pid, STOP_TIMEOUT_S)
            _state_file(port).unlink(missing_ok=True)
            raise
    report.info(f"DynamoDB Local running at {instance.endpoint_url} (pid {instance.pid}, {_storage(instance)})")
    return instance


def _spawn(java: str, jar: Path, port: int, data_dir: Path | None, in_memory: bool) -> LocalInstance:
    state = private_dir(state_dir())
    log_file = state / f"{port}.log"
    extra = shlex.split(os.environ.get(JAVA_OPTS_ENV, ""))
    cmd = [java, *extra, f"-Djava.library.path={native_lib_dir(jar)}", "-jar", str(jar), "-port", str(port)]
    # -sharedDb: every access key and region sees the same tables, so the dummy
    # credentials of one command and another's profile cannot split the data.
    cmd.append("-sharedDb")
    # No telemetry: the tool must not phone home from users' machines (nor wait on a closed network).
    cmd.append("-disableTelemetry")
    if in_memory:
        cmd.append("-inMemory")
    else:
        assert data_dir is not None
        private_dir(data_dir)  # the tables hold user rows: 0700 (and the JVM runs with umask 077)
        cmd += ["-dbPath", str(data_dir)]
    # The working directory is the jar's, as AWS documents; cwd-relative lookups then work.
    pid = process.spawn_detached(cmd, cwd=jar.parent, log_file=log_file)
    instance = LocalInstance(
        port=port,
        endpoint_url=endpoint_url(port),
        pid=pid,
        data_dir=data_dir,
        in_memory=in_memory,
        log_file=log_file,
        jar=jar,
    )
    atomic_write_text(_state_file(port), json.dumps(instance.as_dict(), indent=2) + "\n")
    return instance


def _wait_ready(instance: LocalInstance, child: subprocess.Popen[bytes] | None) -> None:
    """Poll ListTables until the instance answers; raise with the log tail if it dies or hangs."""
    client = local_client(instance.endpoint_url, probe=True)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        try:
            client.list_tables(Limit=1)
            return
        except (BotoCoreError, ClientError):
            pass
        exit_code = child.poll() if child is not None else None
        if exit_code is not None or not process.is_alive(instance.pid):
            raise _died(instance, exit_code)
        if time.monotonic() >= deadline:
            raise TargetError(
                f"DynamoDB Local on port {instance.port} did not answer within {STARTUP_TIMEOUT_S:.0f} s; "
                f"its log ends: {_log_tail(instance.log_file, 3)}",
                hint=f"see {instance.log_file}",
                log_tail=_log_tail(instance.log_file, 30, sep="\n"),
            )
        time.sleep(_POLL_S)


def _died(instance: LocalInstance, exit_code: int | None) -> PrerequisiteError:
    log = _log_tail(instance.log_file, 30, sep="\n")
    code = f" (exit code {exit_code})" if exit_code is not None else ""
    hint = f"see {instance.log_file}"
    if "UnsupportedClassVersionError" in log:
        hint = "the jar needs a newer Java; install Java 17+ and point JAVA_HOME at it"
    elif "Address already in use" in log or "BindException" in log:
        hint = f"port {instance.port} was taken meanwhile; choose another port with --port"
    return PrerequisiteError(
        f"DynamoDB Local exited during startup{code}: {_log_tail(instance.log_file, 3)}",
        hint=hint,
        log_tail=log,
    )


def _running_instance(port: int) -> LocalInstance | None:
    """The instance from the state file if its JVM is still the one we started, else None."""
    path = _state_file(port)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        instance = LocalInstance(
            port=int(raw["port"]),
            endpoint_url=str(raw["endpoint_url"]),
            pid=int(raw["pid"]),
            data_dir=Path(raw["data_dir"]) if raw.get("data_dir") else None,
            in_memory=bool(raw["in_memory"]),
            log_file=Path(raw["log_file"]),
            jar=Path(raw["jar"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # A damaged state file cannot describe a live instance; treat it as stale.
        return None
    # The pid may have been reused by an unrelated process since a reboot or crash.
    if not process.is_dynamodb_local(instance.pid, port):
        return None
    return instance


def _count_tables(url: str) -> int | None:
    client = local_client(url, probe=True)
    try:
        count = 0
        for page in client.get_paginator("list_tables").paginate():
            count += len(page.get("TableNames", []))
        return count
    except (BotoCoreError, ClientError):
        return None


def _port_taken(port: int) -> TargetError:
    client = local_client(endpoint_url(port), probe=True)
    try:
        client.list_tables(Limit=1)
        speaks_dynamodb = True
    except (BotoCoreError, ClientError):
        speaks_dynamodb = False
    if speaks_dynamodb:
        return TargetError(
            f"port {port} is used by a DynamoDB endpoint that sql2dynamo did not start",
            hint=f"use it with --target {endpoint_url(port)}, or choose another port with --port",
        )
    return TargetError(
        f"port {port} is used by another program",
        hint="choose another port with --port (and --target local:PORT)",
    )


def _check_port(port: int) -> None:
    if not 1 <= port <= 65535:
        raise UsageError(f"port {port} is out of range", hint="use a port between 1 and 65535")


def _storage(instance: LocalInstance) -> str:
    return _storage_of(instance.data_dir, instance.in_memory)


def _storage_of(data_dir: Path | None, in_memory: bool) -> str:
    return "tables in memory" if in_memory else f"data dir {data_dir}"


def _default_data_dir(port: int) -> Path:
    return state_dir() / f"data-{port}"


def _state_file(port: int) -> Path:
    return state_dir() / f"{port}.json"


def _lock_file(port: int) -> Path:
    return state_dir() / f"{port}.lock"


def _log_tail(log_file: Path, lines: int, *, sep: str = " | ") -> str:
    try:
        text = log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return tail(text, lines, sep=sep)


class _QuietReporter:
    """Used when a library caller passes no reporter: nothing is shown."""

    def info(self, message: str) -> None:
        return None

    def warning(self, message: str) -> None:
        return None

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Progress]:
        yield _NoProgress()

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        return None


class _NoProgress:
    def advance(self, amount: int = 1) -> None:
        return None


def _quiet(reporter: Reporter | None) -> Reporter:
    return reporter if reporter is not None else _QuietReporter()
