"""Atomic file output: a command either writes complete files or none."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
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
    final.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=final))
    try:
        yield tmp
        for item in sorted(tmp.iterdir()):
            os.replace(item, final / item.name)
    finally:
        for item in tmp.glob("*"):
            item.unlink(missing_ok=True)
        tmp.rmdir()
