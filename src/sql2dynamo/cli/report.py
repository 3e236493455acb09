"""``sql2dynamo report``: a thin click command over :mod:`sql2dynamo.commands.report`.

Errors reach the main CLI, which prints them on one line: exit 4 for a
missing or malformed model, patterns or JSON file, 2 for an unwritable
``-o``, 7 when ``--target`` refuses the sample reads.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter, show_result
from sql2dynamo.cli.options import json_option, model_option, patterns_option, summary_option, target_option
from sql2dynamo.commands.report import report
from sql2dynamo.target.endpoint import ACCEPTED_FORMS

_JSON = click.Path(dir_okay=False, path_type=Path)


@click.command("report")
@model_option()
@click.option("--validate", "validate_path", type=_JSON, help="validate's --report (or --summary) JSON: each verdict.")
@click.option("--verify", "verify_path", type=_JSON, help="verify's --report (or --summary) JSON: counts, differences.")
@click.option("--migrate", "migrate_path", type=_JSON, help="migrate's --summary JSON: items/s and rejects.")
@patterns_option("The access_patterns.yaml holding each pattern's SQL (default: the one beside data_model.json).")
@target_option(
    f"Read sample items from the migrated tables there ({ACCEPTED_FORMS}); default: illustrative items.",
    required=False,
)
@click.option("--title", help="The page's title (default: the application and strategy).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write (replaced atomically).",
)
@summary_option()
@json_option()
def report_cmd(
    model_dir: Path,
    validate_path: Path | None,
    verify_path: Path | None,
    migrate_path: Path | None,
    patterns_path: Path | None,
    target: str | None,
    title: str | None,
    output: Path,
    summary_path: Path | None,
    as_json: bool,
) -> None:
    """Write one self-contained HTML file: the model, every access pattern's plan and verdict, cost, proofs.

    The file opens offline (no network: inline style, SVG and script).
    """
    result = report(
        model_dir,
        output=output,
        reporter=progress_reporter(),
        validate=validate_path,
        verify=verify_path,
        migrate=migrate_path,
        patterns=patterns_path,
        target=target,
        title=title,
    )
    show_result(result, as_json=as_json, summary_path=summary_path)
