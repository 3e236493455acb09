"""Progress and messages go through an injected reporter; the core never prints.

Three implementations: ``RichReporter`` for a terminal, ``PlainReporter`` for
logs and pipes (one line per event, no colour), ``RecordingReporter`` for tests.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import (
    Progress as RichProgress,
)
from rich.table import Table


class Progress(Protocol):
    """A unit of long work; ``advance`` reports how much more of ``total`` is done."""

    def advance(self, amount: int = 1) -> None: ...


class Reporter(Protocol):
    """What the core may tell the user.  Implementations decide how it looks."""

    def info(self, message: str) -> None: ...

    def warning(self, message: str) -> None: ...

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Progress]:
        yield _NullProgress()

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None: ...


class _NullProgress:
    def advance(self, amount: int = 1) -> None:
        return None


class PlainReporter:
    """Plain lines on a stream (stderr by default): quiet enough for CI logs."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr

    def _line(self, text: str) -> None:
        print(text, file=self._stream, flush=True)

    def info(self, message: str) -> None:
        """Print an informational line."""
        self._line(message)

    def warning(self, message: str) -> None:
        """Print a warning line."""
        self._line(f"warning: {message}")

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Progress]:
        """Announce a long step and its end; no per-item output."""
        self._line(f"{description} ...")
        yield _NullProgress()
        self._line(f"{description}: done")

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Print an aligned text table."""
        cells = [list(map(str, columns))] + [[_fmt(v) for v in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
        self._line(title)
        for n, row in enumerate(cells):
            self._line("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                self._line("  " + "  ".join("-" * w for w in widths))


class _RichProgress:
    def __init__(self, progress: Any, task_id: Any) -> None:
        self._progress = progress
        self._task_id = task_id

    def advance(self, amount: int = 1) -> None:
        self._progress.advance(self._task_id, amount)


class RichReporter:
    """Colour, tables and progress bars on an interactive terminal (stderr unless given another stream)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._console = Console(stderr=True) if stream is None else Console(file=stream)

    def info(self, message: str) -> None:
        """Print an informational line."""
        self._console.print(message, markup=False, highlight=False)

    def warning(self, message: str) -> None:
        """Print a warning line in yellow."""
        self._console.print(f"[yellow]warning:[/yellow] {_escape(message)}")

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Progress]:
        """Show a progress bar (or a spinner when the total is unknown)."""

        with RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
        ) as progress:
            task_id = progress.add_task(description, total=total)
            yield _RichProgress(progress, task_id)
        self._console.print(f"[green]✓[/green] {_escape(description)}")

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Print a rich table."""

        table = Table(title=title, title_justify="left")
        for i, col in enumerate(columns):
            numeric = bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows if r[i] != "")
            # The first column names the row (a table name): never truncate it.
            table.add_column(col, no_wrap=i == 0 or numeric, justify="right" if numeric else "left")
        for row in rows:
            table.add_row(*(_escape(_fmt(v)) for v in row))
        self._console.print(table)


@dataclass
class RecordingReporter:
    """Keeps every event in memory so tests can assert on what a user would see."""

    events: list[tuple[str, Any]] = field(default_factory=list)

    def info(self, message: str) -> None:
        """Record an info event."""
        self.events.append(("info", message))

    def warning(self, message: str) -> None:
        """Record a warning event."""
        self.events.append(("warning", message))

    @contextmanager
    def task(self, description: str, total: int | None = None) -> Iterator[Progress]:
        """Record the task and how far it advanced."""
        progress = _CountingProgress()
        yield progress
        self.events.append(("task", (description, total, progress.done)))

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Record a table event."""
        self.events.append(("table", (title, list(columns), [list(r) for r in rows])))

    def messages(self, kind: str) -> list[Any]:
        """All payloads of one event kind, in order."""
        return [payload for k, payload in self.events if k == kind]


class _CountingProgress:
    def __init__(self) -> None:
        self.done = 0

    def advance(self, amount: int = 1) -> None:
        self.done += amount


def default_reporter(stream: TextIO | None = None) -> Reporter:
    """Rich on an interactive terminal, plain lines otherwise; on ``stream`` (default stderr)."""
    if (stream or sys.stderr).isatty():
        return RichReporter(stream)
    return PlainReporter(stream)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _escape(text: str) -> str:

    return escape(text)
