"""The ``sql2dynamo`` command: the group of every command (one module each), and errors as exit codes.

Every error the core raises on purpose is a ``Sql2DynamoError``: it is shown
as one line ``error: ...`` on stderr and the process exits with that error's
documented code (see ``sql2dynamo.common.errors.EXIT_CODES``).  Anything else
is a bug: it gets exit code 1 and a line asking for a report, with passwords
redacted.  Results go to stdout, everything else to stderr (see
:mod:`sql2dynamo.cli.echo`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from sql2dynamo import __version__
from sql2dynamo.cli.analyze import analyze_cmd
from sql2dynamo.cli.codegen import codegen_cmd
from sql2dynamo.cli.contract import contract_group
from sql2dynamo.cli.cutover import cutover_group
from sql2dynamo.cli.demo import demo_cmd
from sql2dynamo.cli.deploy import deploy_cmd, destroy_cmd
from sql2dynamo.cli.design import design_cmd
from sql2dynamo.cli.export import export_cmd
from sql2dynamo.cli.local import local_group
from sql2dynamo.cli.migrate import migrate_cmd
from sql2dynamo.cli.report import report_cmd
from sql2dynamo.cli.sync import sync_cmd
from sql2dynamo.cli.validate import validate_cmd
from sql2dynamo.cli.verify import verify_cmd
from sql2dynamo.common.errors import EXIT_CODES, Sql2DynamoError
from sql2dynamo.common.urls import redact_text

_EXIT_HELP = "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES.items())


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=f"Exit codes:\n\n\b\n{_EXIT_HELP}",
)
@click.version_option(__version__, prog_name="sql2dynamo")
def cli() -> None:
    """Move an application from MySQL/MariaDB, PostgreSQL or SQLite to Amazon DynamoDB."""


cli.add_command(analyze_cmd)
cli.add_command(design_cmd)
cli.add_command(demo_cmd)
cli.add_command(deploy_cmd)
cli.add_command(migrate_cmd)
cli.add_command(verify_cmd)
cli.add_command(export_cmd)
cli.add_command(validate_cmd)
cli.add_command(sync_cmd)
cli.add_command(destroy_cmd)
cli.add_command(local_group)
cli.add_command(codegen_cmd)
cli.add_command(cutover_group)
cli.add_command(report_cmd)
cli.add_command(contract_group)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: run the CLI and turn errors into documented exit codes."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="sql2dynamo", standalone_mode=False)
    except Sql2DynamoError as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so, without leaking secrets
        if os.environ.get("SQL2DYNAMO_DEBUG"):
            raise
        first_line = redact_text(str(exc)).splitlines()[0] if str(exc) else ""
        click.echo(
            f"internal error: {type(exc).__name__}: {first_line} "
            "(this is a bug in sql2dynamo; please report it with the command line)",
            err=True,
        )
        sys.exit(1)
