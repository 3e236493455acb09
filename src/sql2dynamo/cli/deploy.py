"""``sql2dynamo deploy`` and ``sql2dynamo destroy``: thin click commands over :mod:`sql2dynamo.commands.deploy`.

Progress and the per-table table go to stderr through the reporter;
``Sql2DynamoError`` propagates to the main CLI, which prints it on one line
and exits with its code.  The main CLI registers both commands with
``cli.add_command``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import click

from sql2dynamo.cli.options import model_option
from sql2dynamo.commands.deploy import DeployResult, DestroyResult, deploy, destroy, emit_cloudformation, parse_tags
from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.reporting import Reporter, default_reporter
from sql2dynamo.target.deploy.run import DEFAULT_WAIT_S
from sql2dynamo.target.endpoint import ACCEPTED_FORMS

_MODEL = model_option()


def _wait(what: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--wait-timeout",
        "wait_timeout_s",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_WAIT_S,
        show_default=True,
        metavar="SECONDS",
        help=f"How long to wait for tables to {what}.",
    )


_SUMMARY = click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON to this file.",
)


@click.command("deploy")
@_MODEL
@click.option("--target", help=f"Where to create the tables: {ACCEPTED_FORMS}.")
@click.option("--dry-run", is_flag=True, help="Only show what would be created; change nothing.")
@click.option(
    "--emit",
    type=(click.Choice(["cloudformation"]), click.Path(dir_okay=False, path_type=Path)),
    default=None,
    metavar="cloudformation FILE",
    help="Write a CloudFormation template (JSON) to FILE instead of calling any API.",
)
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Tag every table (repeatable).")
@_wait("become ACTIVE")
@click.option("--yes", is_flag=True, help="Confirm creating tables on AWS without asking.")
@_SUMMARY
def deploy_cmd(
    model_dir: Path,
    target: str | None,
    dry_run: bool,
    emit: tuple[str, Path] | None,
    tags: Sequence[str],
    wait_timeout_s: float,
    yes: bool,
    summary_path: Path | None,
) -> None:
    """Create the tables of data_model.json on --target: keys, GSIs, billing, stream, TTL, PITR.

    Idempotent: tables that exist and match the model are left unchanged; a table
    that exists and differs stops the deploy before anything is created.
    """
    confirm, write_summary = _main_helpers(yes)
    reporter = _reporter()
    tag_map = parse_tags(tags)
    if emit is not None:
        if target is not None or dry_run:
            raise UsageError(
                "--emit writes a template instead of deploying; it takes no --target or --dry-run",
                hint="drop --target/--dry-run, or drop --emit to deploy",
            )
        emitted = emit_cloudformation(model_dir, emit[1], reporter=reporter, tags=tag_map)
        write_summary(summary_path, emitted.summary())
        return
    if target is None:
        raise UsageError(
            "deploy needs --target (or --emit cloudformation FILE)", hint=f"use --target with one of: {ACCEPTED_FORMS}"
        )
    result = deploy(
        model_dir,
        target,
        reporter=reporter,
        confirm=confirm,
        dry_run=dry_run,
        tags=tag_map,
        wait_timeout_s=wait_timeout_s,
    )
    show_deploy(reporter, result)
    write_summary(summary_path, result.summary())


@click.command("destroy")
@_MODEL
@click.option(
    "--target", required=True, help="Local target to delete from: local, local:PORT or http://127.0.0.1:PORT."
)
@_wait("be deleted")
@click.option("--yes", is_flag=True, help="Delete without asking.")
@_SUMMARY
def destroy_cmd(model_dir: Path, target: str, wait_timeout_s: float, yes: bool, summary_path: Path | None) -> None:
    """Delete the tables of data_model.json from a local target (never on AWS); asks first."""
    confirm, write_summary = _main_helpers(yes)
    reporter = _reporter()
    result = destroy(model_dir, target, reporter=reporter, confirm=confirm, wait_timeout_s=wait_timeout_s)
    show_destroy(reporter, result)
    write_summary(summary_path, result.summary())


def show_deploy(reporter: Reporter, result: DeployResult) -> None:
    """The per-table table and one closing line."""
    rows = [
        [
            t.table,
            t.status,
            len(t.indexes),
            "on-demand" if t.billing == "PAY_PER_REQUEST" else _capacity_text(t.capacity),
            t.ttl if t.ttl_attribute is None else f"{t.ttl_attribute}: {t.ttl}",
            t.point_in_time_recovery,
            round(t.seconds, 2),
        ]
        for t in result.tables
    ]
    title = f"{'dry run: ' if result.dry_run else ''}{len(result.tables)} tables on {result.target}"
    reporter.table(title, ["table", "status", "GSIs", "billing", "TTL", "PITR", "seconds"], rows)
    for t in result.tables:
        for note in t.notes:
            reporter.warning(f"table {t.table}: {note}")
    counts = ", ".join(f"{n} {status}" for status, n in result.counts().items())
    reporter.info(f"deploy on {result.target}: {counts} in {result.seconds:.1f} s")


def show_destroy(reporter: Reporter, result: DestroyResult) -> None:
    """One line: what was deleted and what was not there."""
    summary = result.summary()
    deleted = ", ".join(summary["deleted"]) or "none"
    missing = f"; not there: {', '.join(summary['missing'])}" if summary["missing"] else ""
    reporter.info(f"destroy on {result.target}: deleted {deleted}{missing}")


def _capacity_text(capacity: dict[str, dict[str, int]] | None) -> str:
    if not capacity:
        return "provisioned"
    table = capacity["table"]
    return f"{table['read']} RCU / {table['write']} WCU"


def _main_helpers(yes: bool) -> tuple[Callable[[str, str], bool], Callable[[Path | None, dict[str, Any]], None]]:
    # Imported here, not at the top: the main CLI imports this module to register
    # the commands, so a top-level import of it would be circular.
    from sql2dynamo.cli.main import make_confirm, write_summary

    return make_confirm(yes), write_summary


def _reporter() -> Reporter:
    """The reporter the main CLI put in the context, or one suited to stderr."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    found = obj.get("reporter") if isinstance(obj, dict) else getattr(obj, "reporter", None)
    return cast(Reporter, found) if found is not None else default_reporter()
