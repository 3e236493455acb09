"""``sql2dynamo codegen``: a thin click command over :mod:`sql2dynamo.commands.codegen`.

The main CLI registers it with ``cli.add_command(codegen_cmd)``.  Errors reach
the main CLI, which prints them on one line: exit 2 for a bad ``--lang`` or an
unwritable ``-o``, 4 for a missing or unreadable model or patterns file.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.deploy import _main_helpers, _reporter
from sql2dynamo.cli.options import model_option
from sql2dynamo.commands.codegen import LANGUAGES, codegen


@click.command("codegen")
@model_option()
@click.option(
    "--lang",
    default="python",
    show_default=True,
    help=f"Language of the generated module: {', '.join(LANGUAGES)}.",
)
@click.option(
    "--patterns",
    "patterns_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The access_patterns.yaml the model was designed from (default: the one beside data_model.json).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="The module to write (replaced atomically).",
)
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON to this file.",
)
def codegen_cmd(
    model_dir: Path, lang: str, patterns_path: Path | None, output: Path, summary_path: Path | None
) -> None:
    """Generate a typed data-access module: a dataclass per entity, a method per access pattern.

    The methods run the model's plans through sql2dynamo.runtime.Repository; the
    module passes mypy --strict and ruff, and is the same bytes for the same model.
    """
    _, write_summary = _main_helpers(True)
    reporter = _reporter()
    result = codegen(model_dir, output, reporter=reporter, lang=lang, patterns=patterns_path)
    write_summary(summary_path, result.summary())
