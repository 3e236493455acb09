"""``sql2dynamo validate``: a thin click command over :mod:`sql2dynamo.commands.validate`.

The per-pattern table goes to stderr through the reporter; ``--report`` and
``--summary`` are written before a failure is raised as ``ValidationFailed``
(exit code 9), so a failed run still leaves its report.  The main CLI
registers the command with ``cli.add_command(validate_cmd)``.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.deploy import _main_helpers, _reporter
from sql2dynamo.cli.options import model_option
from sql2dynamo.commands.validate import validate
from sql2dynamo.target.endpoint import ACCEPTED_FORMS


@click.command("validate")
@click.argument("source_url")
@model_option()
@click.option("--target", required=True, help=f"The DynamoDB to deploy, fill and run the plans on: {ACCEPTED_FORMS}.")
@click.option(
    "--patterns",
    "patterns_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The access_patterns.yaml holding each pattern's SQL (default: the one beside data_model.json).",
)
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    help="Validate on the first N rows of every mapped table plus the rows they refer to (a SQLite copy).",
)
@click.option(
    "--no-migrate", is_flag=True, help="The target already holds the migrated source: skip deploy and migrate."
)
@click.option("--only", help="Comma-separated pattern ids to validate (default: all).")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full report (every case's parameters and first differing rows) as JSON to this file.",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary (one line per pattern) as JSON to this file.",
)
def validate_cmd(
    source_url: str,
    model_dir: Path,
    target: str,
    patterns_path: Path | None,
    sample: int | None,
    no_migrate: bool,
    only: str | None,
    report_path: Path | None,
    summary_path: Path | None,
) -> None:
    """Run every access pattern's SQL on SOURCE_URL and its plan on --target, and compare the rows.

    Exits 9 when any pattern returns (or writes) something else than its SQL.
    """
    _, write_summary = _main_helpers(True)
    reporter = _reporter()
    result = validate(
        source_url,
        model_dir,
        target,
        reporter=reporter,
        patterns_path=patterns_path,
        sample=sample,
        migrate_first=not no_migrate,
        only=[p.strip() for p in (only or "").split(",") if p.strip()],
    )
    write_summary(report_path, result.report())
    write_summary(summary_path, result.summary())
    result.raise_if_failed()
