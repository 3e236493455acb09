"""Where the command line's output goes (as dlt's ``cli/echo.py``): results on stdout, the rest on stderr.

A command's result (its tables and closing line, or with ``--json`` its JSON)
is the only thing on stdout, so it can be piped (``--json | jq``); progress,
warnings, logs and confirmation prompts go to stderr through the reporter.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import click

from sql2dynamo.common.errors import ConfirmationRequired
from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.common.reporting import Reporter, default_reporter
from sql2dynamo.common.results import Result, json_text
from sql2dynamo.target.deploy.run import Confirm


def progress_reporter() -> Reporter:
    """The reporter for progress and warnings: the one a caller put in the context, or one suited to stderr."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    found = obj.get("reporter") if isinstance(obj, dict) else getattr(obj, "reporter", None)
    return cast(Reporter, found) if found is not None else default_reporter()


def make_confirm(yes: bool) -> Confirm:
    """Gate confirmation: --yes answers for automation, a terminal asks (on stderr), anything else refuses."""

    def confirm(gate: str, question: str) -> bool:
        if yes:
            return True
        if not sys.stdin.isatty():
            raise ConfirmationRequired(
                f"the {gate} gate needs confirming and there is no terminal to ask: {question}",
                hint="review the files, then run again with --yes",
            )
        return click.confirm(question, default=False, err=True)

    return confirm


def write_json(path: Path | None, data: Mapping[str, Any]) -> None:
    """Write ``data`` as strict JSON to ``path`` atomically (``--summary``, ``--report``); nothing when None."""
    if path is not None:
        atomic_write_text(path, json_text(data))


def show_result(result: Result, *, as_json: bool, summary_path: Path | None = None) -> None:
    """Write the result to ``--summary FILE``, then print it on stdout: as JSON with ``--json``, else described."""
    data = result.asdict()
    write_json(summary_path, data)
    if as_json:
        click.echo(json_text(data), nl=False)
    else:
        result.describe(default_reporter(sys.stdout))
