"""``sql2dynamo contract``: working with migration contracts; ``contract convert`` between their two forms.

A thin click group over :mod:`sql2dynamo.commands.contract`; errors propagate
to the main CLI, which prints them on one line with their exit code.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import show_result
from sql2dynamo.cli.options import json_option, summary_option
from sql2dynamo.commands.contract import convert


@click.group("contract")
def contract_group() -> None:
    """Migration contracts: the migration contract format (seed) and the Modernizr contract format."""


@contract_group.command("convert")
@click.argument("source", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--to",
    "to",
    type=click.Choice(["seed", "modernizr"]),
    default=None,
    help="The form to write: seed (the migration contract format's array) or modernizr; default: the other one.",
)
@summary_option()
@json_option()
def convert_cmd(source: Path, out: Path, to: str | None, summary_path: Path | None, as_json: bool) -> None:
    """Convert the contract IN (either form, validated) to OUT in the other form (validated before writing)."""
    show_result(convert(source, out, to=to), as_json=as_json, summary_path=summary_path)
