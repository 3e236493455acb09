"""The options and arguments several commands share, each declared once (as alembic keeps one option table).

A command stacks the decorators it needs; what differs between commands (a
help text, whether the option is required) is a parameter, so the spelling,
parameter name, type, default and metavar cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sql2dynamo.cutover.outbox import DEFAULT_OUTBOX_TABLE
from sql2dynamo.cutover.status import DEFAULT_SLOT
from sql2dynamo.sync.control import DEFAULT_CONTROL_TABLE

F = TypeVar("F", bound=Callable[..., Any])

MODEL_HELP = "Directory with data_model.json (the -o directory of design), or the file itself."

_JSON_FILE = click.Path(dir_okay=False, path_type=Path)


def source_url_argument(*, required: bool = True) -> Callable[[F], F]:
    """``SOURCE_URL`` (parameter ``source_url``): the source database's SQLAlchemy URL."""
    return click.argument("source_url", required=required)


def model_option(help: str = MODEL_HELP) -> Callable[[F], F]:
    """``--model DIR`` (parameter ``model_dir``, default the current directory)."""
    return click.option(
        "--model",
        "model_dir",
        type=click.Path(path_type=Path),
        default=Path("."),
        show_default=True,
        metavar="DIR",
        help=help,
    )


def target_option(help: str, *, required: bool = True, default: str | None = None) -> Callable[[F], F]:
    """``--target`` (parameter ``target``): the DynamoDB a command talks to (see ``ACCEPTED_FORMS``)."""
    return click.option(
        "--target", required=required and default is None, default=default, show_default=default is not None, help=help
    )


def out_dir_option(what: str, default: Path = Path(".")) -> Callable[[F], F]:
    """``-o/--out DIR`` (parameter ``out_dir``): the directory a command writes its files into."""
    return click.option(
        "-o",
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=True,
        help=f"Directory for {what}.",
    )


def patterns_option(help: str, *, required: bool = False) -> Callable[[F], F]:
    """``--patterns FILE`` (parameter ``patterns_path``): an access_patterns.yaml."""
    return click.option("--patterns", "patterns_path", required=required, type=_JSON_FILE, help=help)


def strategy_option(help: str) -> Callable[[F], F]:
    """``--strategy multi-table|single-table``."""
    return click.option(
        "--strategy",
        type=click.Choice(["multi-table", "single-table"]),
        default="multi-table",
        show_default=True,
        help=help,
    )


def control_table_option() -> Callable[[F], F]:
    """``--control-table NAME``: the target's table of stream and cut-over state."""
    return click.option(
        "--control-table", default=DEFAULT_CONTROL_TABLE, show_default=True, help="The target's control table."
    )


def outbox_table_option(help: str) -> Callable[[F], F]:
    """``--outbox-table NAME``: the dual-write outbox in the source database."""
    return click.option("--outbox-table", default=DEFAULT_OUTBOX_TABLE, show_default=True, help=help)


def slot_option(help: str) -> Callable[[F], F]:
    """``--slot NAME``: the change stream."""
    return click.option("--slot", default=DEFAULT_SLOT, show_default=True, help=help)


def yes_option(help: str) -> Callable[[F], F]:
    """``--yes`` (parameter ``yes``): answer the command's confirmations for automation."""
    return click.option("--yes", is_flag=True, help=help)


def report_option(what: str) -> Callable[[F], F]:
    """``--report FILE.json`` (parameter ``report_path``): the full report, written even when the check fails."""
    return click.option(
        "--report", "report_path", type=_JSON_FILE, help=f"Write the full report ({what}) as JSON to this file."
    )


def summary_option(what: str = "the result") -> Callable[[F], F]:
    """``--summary FILE.json`` (parameter ``summary_path``): the result's JSON, also written to a file."""
    return click.option("--summary", "summary_path", type=_JSON_FILE, help=f"Also write {what} as JSON to this file.")


def json_option() -> Callable[[F], F]:
    """``--json`` (parameter ``as_json``): the result as JSON on stdout instead of its table."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the result as JSON on stdout (instead of the human summary)."
    )
