"""``sql2dynamo verify``: a thin click command over :mod:`sql2dynamo.commands.verify`.

The per-table table goes to stderr through the reporter; ``--report`` and
``--summary`` are written before a difference is raised as
``VerificationFailed`` (exit code 8), so a failed run still leaves its report.
The main CLI registers the command with ``cli.add_command(verify_cmd)``.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.deploy import _main_helpers, _reporter
from sql2dynamo.cli.options import model_option
from sql2dynamo.commands.verify import VerifyResult, verify
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.target.endpoint import ACCEPTED_FORMS
from sql2dynamo.verify.compare import DEFAULT_MAX_DIFFS, DEFAULT_MAX_KEYS


@click.command("verify")
@click.argument("source_url")
@model_option()
@click.option("--target", required=True, help=f"The DynamoDB holding the migrated tables: {ACCEPTED_FORMS}.")
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
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full report (every difference's key, the first diffs) as JSON to this file.",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON to this file.",
)
def verify_cmd(
    source_url: str,
    model_dir: Path,
    target: str,
    segments: int,
    max_keys: int,
    max_diffs: int,
    report_path: Path | None,
    summary_path: Path | None,
) -> None:
    """Check that --target holds exactly the items SOURCE_URL's rows become: counts, keys and content.

    Exits 8 when an item is missing, extra or different, or a count differs.
    """
    _, write_summary = _main_helpers(True)
    reporter = _reporter()
    result = verify(
        source_url, model_dir, target, reporter=reporter, segments=segments, max_keys=max_keys, max_diffs=max_diffs
    )
    show_verify(reporter, result)
    write_summary(report_path, result.report())
    write_summary(summary_path, result.summary())
    result.raise_if_different()


def show_verify(reporter: Reporter, result: VerifyResult) -> None:
    """The per-table table, the first differences with their diffs, and one closing line."""
    rows = [
        [t.table, t.expected, t.actual, t.missing, t.extra, t.different, t.rejects, t.expired, round(t.seconds, 2)]
        for t in result.comparison.tables
    ]
    reporter.table(
        f"verify {result.target} against {result.source}",
        ["table", "expected", "actual", "missing", "extra", "different", "rejects", "expired (TTL)", "seconds"],
        rows,
    )
    for d in result.comparison.differences[:20]:
        reporter.warning(f"{d.kind} in {d.table}: {d.key}")
        for line in d.diff:
            reporter.warning(f"    {line}")
    totals = result.totals()
    verdict = "match" if result.ok else "DIFFER"
    reporter.info(
        f"verify: {verdict}: {totals['expected']} expected, {totals['actual']} found, {totals['missing']} missing, "
        f"{totals['extra']} extra, {totals['different']} different"
        + (f", {totals['expired']} expired by TTL" if totals["expired"] else "")
        + f" in {result.seconds:.1f} s"
    )
