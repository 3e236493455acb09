"""``sql2dynamo deploy`` and ``sql2dynamo destroy``: thin click commands over :mod:`sql2dynamo.commands.deploy`.

Progress goes to stderr through the reporter, the per-table table (or
``--json``) to stdout; ``Sql2DynamoError`` propagates to the main CLI, which
prints it on one line and exits with its code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import click

from sql2dynamo.cli.echo import make_confirm, progress_reporter, show_result
from sql2dynamo.cli.options import F, json_option, model_option, summary_option, target_option, yes_option
from sql2dynamo.commands.deploy import deploy, destroy, emit_cloudformation, emit_iam_policy, parse_tags
from sql2dynamo.commands.import_table import plan_import
from sql2dynamo.common.errors import UsageError
from sql2dynamo.target.deploy.run import DEFAULT_WAIT_S
from sql2dynamo.target.endpoint import ACCEPTED_FORMS


def _wait(what: str) -> Callable[[F], F]:
    return click.option(
        "--wait-timeout",
        "wait_timeout_s",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_WAIT_S,
        show_default=True,
        metavar="SECONDS",
        help=f"How long to wait for tables to {what}.",
    )


@click.command("deploy")
@model_option()
@target_option(f"Where to create the tables: {ACCEPTED_FORMS}.", required=False)
@click.option("--dry-run", is_flag=True, help="Only show what would be created; change nothing.")
@click.option(
    "--emit",
    type=(click.Choice(["cloudformation", "iam-policy", "import-table"]), click.Path(dir_okay=False, path_type=Path)),
    default=None,
    metavar="cloudformation|iam-policy|import-table FILE",
    help="Write a CloudFormation template, one least-privilege IAM policy per role, or (with --import-from) the "
    "ImportTable requests (JSON) to FILE instead of calling any API.",
)
@click.option(
    "--import-from",
    metavar="s3://BUCKET/PREFIX",
    help="Create each table with ImportTable from the files of `export` uploaded there (PREFIX/<table>/).",
)
@click.option(
    "--import-format",
    type=click.Choice(["dynamodb-json", "ion"]),
    default="dynamodb-json",
    show_default=True,
    help="With --import-from: the files' format.",
)
@click.option(
    "--import-compress",
    type=click.Choice(["none", "gzip", "zstd"]),
    default="gzip",
    show_default=True,
    help="With --import-from: the files' compression.",
)
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Tag every table (repeatable).")
@_wait("become ACTIVE")
@yes_option("Confirm creating tables on AWS without asking.")
@summary_option()
@json_option()
def deploy_cmd(
    model_dir: Path,
    target: str | None,
    dry_run: bool,
    emit: tuple[str, Path] | None,
    import_from: str | None,
    import_format: str,
    import_compress: str,
    tags: Sequence[str],
    wait_timeout_s: float,
    yes: bool,
    summary_path: Path | None,
    as_json: bool,
) -> None:
    """Create the tables of data_model.json on --target: keys, GSIs, billing, stream, TTL, PITR.

    Idempotent: tables that exist and match the model are left unchanged; a table
    that exists and differs stops the deploy before anything is created.
    """
    reporter = progress_reporter()
    tag_map = parse_tags(tags)
    if import_from is not None or (emit is not None and emit[0] == "import-table"):
        if import_from is None or (emit is not None and emit[0] != "import-table"):
            raise UsageError(
                "--emit import-table and --import-from go together", hint="give --import-from s3://bucket/prefix"
            )
        planned = plan_import(
            model_dir,
            import_from,
            reporter=reporter,
            target=target,
            fmt=import_format,
            compression=import_compress,
            dry_run=dry_run,
            out_file=emit[1] if emit is not None else None,
            confirm=make_confirm(yes),
        )
        show_result(planned, as_json=as_json, summary_path=summary_path)
        return
    if emit is not None:
        if target is not None or dry_run:
            raise UsageError(
                "--emit writes a template instead of deploying; it takes no --target or --dry-run",
                hint="drop --target/--dry-run, or drop --emit to deploy",
            )
        if emit[0] == "iam-policy":
            emitted = emit_iam_policy(model_dir, emit[1], reporter=reporter)
        else:
            emitted = emit_cloudformation(model_dir, emit[1], reporter=reporter, tags=tag_map)
        show_result(emitted, as_json=as_json, summary_path=summary_path)
        return
    if target is None:
        raise UsageError(
            "deploy needs --target (or --emit cloudformation FILE)", hint=f"use --target with one of: {ACCEPTED_FORMS}"
        )
    result = deploy(
        model_dir,
        target,
        reporter=reporter,
        confirm=make_confirm(yes),
        dry_run=dry_run,
        tags=tag_map,
        wait_timeout_s=wait_timeout_s,
    )
    show_result(result, as_json=as_json, summary_path=summary_path)


@click.command("destroy")
@model_option()
@target_option("Local target to delete from: local, local:PORT or http://127.0.0.1:PORT.")
@_wait("be deleted")
@yes_option("Delete without asking.")
@summary_option()
@json_option()
def destroy_cmd(
    model_dir: Path, target: str, wait_timeout_s: float, yes: bool, summary_path: Path | None, as_json: bool
) -> None:
    """Delete the tables of data_model.json from a local target (never on AWS); asks first."""
    result = destroy(
        model_dir, target, reporter=progress_reporter(), confirm=make_confirm(yes), wait_timeout_s=wait_timeout_s
    )
    show_result(result, as_json=as_json, summary_path=summary_path)
