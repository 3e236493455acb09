"""``sql2dynamo design``: a thin click command over :mod:`sql2dynamo.commands.design`.

The gates' questions and the model's table go to stderr before each gate;
stdout gets the files written (or, with ``--json``, the summary).  An
unconfirmed gate exits 6 (``ConfirmationRequired``).
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import make_confirm, progress_reporter, show_result
from sql2dynamo.cli.options import (
    json_option,
    out_dir_option,
    patterns_option,
    strategy_option,
    summary_option,
    yes_option,
)
from sql2dynamo.commands.design import design


@click.command("design")
@click.option(
    "--schema",
    "schema_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="schema.json written by analyze.",
)
@patterns_option("access_patterns.yaml (mined by analyze --workload or written by hand).", required=True)
@out_dir_option("the documents, the contract and data_model.json")
@strategy_option("One table per entity (natural keys) or one table for all.")
@click.option(
    "--billing",
    type=click.Choice(["on-demand", "provisioned"]),
    default="on-demand",
    show_default=True,
    help="Capacity mode the cost estimate recommends.",
)
@click.option(
    "--pricing",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Price table JSON (default: us-east-1 list prices shipped with sql2dynamo).",
)
@click.option(
    "--streams",
    default="none",
    show_default=True,
    help="Tables that get a DynamoDB stream: none (nothing in sql2dynamo reads one), all, or TABLE,TABLE.",
)
@click.option(
    "--contract-format",
    type=click.Choice(["seed", "modernizr"]),
    default="seed",
    show_default=True,
    help="migrationContract.json as the migration contract format's array (seed) or the Modernizr contract format.",
)
@yes_option("Confirm the requirements and design gates without asking.")
@summary_option()
@json_option()
def design_cmd(
    schema_path: Path,
    patterns_path: Path,
    out_dir: Path,
    strategy: str,
    billing: str,
    pricing: Path | None,
    streams: str,
    contract_format: str,
    yes: bool,
    summary_path: Path | None,
    as_json: bool,
) -> None:
    """Design the DynamoDB model: dynamodb_requirement.md, dynamodb_data_model.md, migrationContract.json."""
    result = design(
        schema_path,
        patterns_path,
        out_dir=out_dir,
        reporter=progress_reporter(),
        confirm=make_confirm(yes),
        strategy=strategy,
        billing=billing,
        pricing=pricing,
        streams=streams,
        contract_format=contract_format,
    )
    show_result(result, as_json=as_json, summary_path=summary_path)
