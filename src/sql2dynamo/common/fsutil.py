"""Atomic, private file output: a command either writes complete files or none, readable by its user only.

Everything sql2dynamo writes can hold user data (rows in rejects, values in
reports, the source URL in checkpoints), so files are created ``0600`` and
the directories it creates ``0700``, whatever the umask.  Directories that
already exist keep their mode: they are the user's.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sql2dynamo.common.errors import InputError, Sql2DynamoError

_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def write_failure(path: Path, exc: OSError) -> Sql2DynamoError | OSError:
    """The one-line error for a failed write of ``path``: a full disk is the user's to fix (exit 4)."""
    if exc.errno in _FULL:
        return InputError(
            f"cannot write {path}: no space left on the device ({exc.strerror})",
            hint="free some space or write elsewhere, then run the command again (no half-written file was kept)",
        )
    return exc


FILE_MODE = 0o600
"""Files the tool writes: its user reads and writes them, nobody else."""

DIR_MODE = 0o700
"""Directories the tool creates."""


def private_dir(path: Path) -> Path:
    """``path`` as a directory: each missing one (parents too) created ``0700``; existing ones left alone."""
    missing: list[Path] = []
    here = path
    while not here.exists():
        missing.append(here)
        if here.parent == here:
            break
        here = here.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another thread or process: not ours to change
        os.chmod(directory, DIR_MODE)  # a strict umask may have taken the owner's own bits away
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a directory")
    return path


def open_private_append(path: Path) -> IO[str]:
    """``path`` opened to append UTF-8 text, created ``0600`` if new (its directory ``0700``)."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "a", encoding="utf-8", newline="\n")


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half (mode 0600).

    A full disk raises ``InputError`` naming the file (see :func:`write_failure`).
    """
    try:
        _atomic_write_text(path, text)
    except OSError as exc:
        raise write_failure(path, exc) from exc


def _atomic_write_text(path: Path, text: str) -> None:
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp makes it 0600 already; said here so it stays so
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files_atomically(files: Mapping[Path, str]) -> None:
    """Write several files, each atomically, only after all their contents exist.

    Callers build every output in memory first, so a failure while computing
    leaves no file behind; this then only has the rename step left to fail.
    """
    for path, text in files.items():
        atomic_write_text(path, text)


@contextmanager
def staged_dir(final: Path) -> Iterator[Path]:
    """A temporary directory beside ``final`` whose files are moved into ``final`` on success."""
    private_dir(final)
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=final))
    try:
        yield tmp
        for item in sorted(tmp.iterdir()):
            os.replace(item, final / item.name)
    finally:
        for item in tmp.glob("*"):
            item.unlink(missing_ok=True)
        tmp.rmdir()
