"""``sql2dynamo verify``: a thin click command over :mod:`sql2dynamo.commands.verify`.

The per-table table (or ``--json``) goes to stdout; ``--report`` and
``--summary`` are written, and the result printed, before a difference is
raised as ``VerificationFailed`` (exit code 8), so a failed run still leaves
its report.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter, show_result, write_json
from sql2dynamo.cli.options import (
    json_option,
    model_option,
    report_option,
    source_url_argument,
    summary_option,
    target_option,
)
from sql2dynamo.commands.verify import verify
from sql2dynamo.target.endpoint import ACCEPTED_FORMS
from sql2dynamo.verify.compare import DEFAULT_MAX_DIFFS, DEFAULT_MAX_KEYS


@click.command("verify")
@source_url_argument()
@model_option()
@target_option(f"The DynamoDB holding the migrated tables: {ACCEPTED_FORMS}.", required=False)
@click.option(
    "--from-export",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    metavar="DIR",
    help="Check the files of an `export` directory instead of a target (before a paid ImportTable).",
)
@click.option(
    "--segments",
    type=click.IntRange(min=1, max=1_000_000),
    default=4,
    show_default=True,
    help="Parallel Scan segments per table.",
)
@click.option(
    "--max-keys",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_KEYS,
    show_default=True,
    help="Differences named by key in the report, at most.",
)
@click.option(
    "--max-diffs",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_DIFFS,
    show_default=True,
    help="Changed items compared attribute by attribute, at most.",
)
@report_option("every difference's key, the first diffs")
@summary_option()
@json_option()
def verify_cmd(
    source_url: str,
    model_dir: Path,
    target: str | None,
    from_export: Path | None,
    segments: int,
    max_keys: int,
    max_diffs: int,
    report_path: Path | None,
    summary_path: Path | None,
    as_json: bool,
) -> None:
    """Check that --target holds exactly the items SOURCE_URL's rows become: counts, keys and content.

    Exits 8 when an item is missing, extra or different, or a count differs.
    With --from-export DIR (instead of --target) the export's files are checked.
    """
    result = verify(
        source_url,
        model_dir,
        target,
        reporter=progress_reporter(),
        segments=segments,
        max_keys=max_keys,
        max_diffs=max_diffs,
        from_export=from_export,
    )
    write_json(report_path, result.report())
    show_result(result, as_json=as_json, summary_path=summary_path)
    result.raise_if_different()
