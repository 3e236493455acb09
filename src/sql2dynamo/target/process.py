"""Process plumbing for the managed DynamoDB Local: spawn detached, recognise, terminate."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sql2dynamo.common.errors import TargetError
from sql2dynamo.common.fsutil import FILE_MODE, private_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; locking is then best effort
    fcntl = None  # type: ignore[assignment]

_children: dict[int, subprocess.Popen[bytes]] = {}
"""JVMs this Python process spawned.  Holding the Popen lets us reap them (no zombie
looks alive to ``os.kill(pid, 0)``) and keeps Popen.__del__ from warning."""


@contextmanager
def port_lock(path: Path) -> Iterator[None]:
    """Serialise start/stop on one port across processes (two commands racing to start)."""
    private_dir(path.parent)
    with path.open("a") as fh:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def spawn_detached(cmd: list[str], *, cwd: Path, log_file: Path) -> int:
    """Start ``cmd`` in its own session with output to ``log_file``; return its pid.

    Its own session means the terminal's Ctrl-C and hang-up do not reach it, and its
    pid is also its process group id, which ``terminate_group`` relies on.
    """
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            umask=0o077,  # what the child writes (DynamoDB Local's tables: user rows) is its user's only
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    _children[proc.pid] = proc
    return proc.pid


def child(pid: int) -> subprocess.Popen[bytes] | None:
    """The Popen of a JVM this process spawned, if it did."""
    return _children.get(pid)


def is_alive(pid: int) -> bool:
    """Whether ``pid`` is a live process (an exited child of ours is reaped first)."""
    proc = _children.get(pid)
    # Only our own children are reaped: waiting on any other pid could steal the
    # exit status some other code in this process is waiting for.
    if proc is not None and proc.poll() is not None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_dynamodb_local(pid: int, port: int) -> bool:
    """Whether ``pid`` is alive and is DynamoDB Local serving ``port``.

    Guards against pid reuse: a state file may outlive its JVM (crash, reboot)
    and its pid may then belong to anything.
    """
    if not is_alive(pid):
        return False
    args = _command_line(pid)
    if args is None:
        # Cannot inspect (no /proc, no ps): trust the live pid rather than orphan a JVM.
        return True
    return "DynamoDBLocal" in args and f" -port {port} " in f" {args} "


def terminate_group(pid: int, timeout_s: float) -> None:
    """SIGTERM the process group led by ``pid``, SIGKILL it after ``timeout_s``, and wait."""
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        except PermissionError as exc:
            raise TargetError(
                f"not allowed to stop process {pid} ({exc.strerror})",
                hint="it belongs to another user; stop it as that user",
            ) from exc
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not is_alive(pid):
                _children.pop(pid, None)
                return
            time.sleep(0.05)
    if is_alive(pid):
        raise TargetError(f"process {pid} did not exit after SIGKILL", hint="check it with `ps` and retry")
    _children.pop(pid, None)


def port_in_use(port: int) -> bool:
    """Whether a listening socket already holds ``port`` (on any interface)."""
    # Binding (not connecting) is the test the JVM will face; SO_REUSEADDR as Jetty
    # sets it, so sockets left in TIME_WAIT by a stopped instance do not count.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def _command_line(pid: int) -> str | None:
    proc_file = Path(f"/proc/{pid}/cmdline")
    if proc_file.parent.exists():
        try:
            return proc_file.read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            return ""
    try:
        done = subprocess.run(
            ["ps", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip()
