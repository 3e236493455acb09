"""``sql2dynamo validate``: a thin click command over :mod:`sql2dynamo.commands.validate`.

The per-pattern table (or ``--json``) goes to stdout; ``--report`` and
``--summary`` are written, and the result printed, before a failure is
raised as ``ValidationFailed`` (exit code 9), so a failed run still leaves
its report.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter, show_result, write_json
from sql2dynamo.cli.options import (
    json_option,
    model_option,
    patterns_option,
    report_option,
    source_url_argument,
    summary_option,
    target_option,
)
from sql2dynamo.commands.validate import validate
from sql2dynamo.target.endpoint import ACCEPTED_FORMS


@click.command("validate")
@source_url_argument()
@model_option()
@target_option(f"The DynamoDB to deploy, fill and run the plans on: {ACCEPTED_FORMS}.")
@patterns_option("The access_patterns.yaml holding each pattern's SQL (default: the one beside data_model.json).")
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    help="Validate on the first N rows of every mapped table plus the rows they refer to (a SQLite copy).",
)
@click.option(
    "--no-migrate", is_flag=True, help="The target already holds the migrated source: skip deploy and migrate."
)
@click.option("--only", help="Comma-separated pattern ids to validate (default: all).")
@report_option("every case's parameters and first differing rows")
@summary_option("the summary (one line per pattern)")
@json_option()
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
    as_json: bool,
) -> None:
    """Run every access pattern's SQL on SOURCE_URL and its plan on --target, and compare the rows.

    Exits 9 when any pattern returns (or writes) something else than its SQL.
    """
    result = validate(
        source_url,
        model_dir,
        target,
        reporter=progress_reporter(),
        patterns_path=patterns_path,
        sample=sample,
        migrate_first=not no_migrate,
        only=[p.strip() for p in (only or "").split(",") if p.strip()],
    )
    write_json(report_path, result.report())
    show_result(result, as_json=as_json, summary_path=summary_path)
    result.raise_if_failed()
