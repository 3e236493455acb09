"""``sql2dynamo codegen``: a thin click command over :mod:`sql2dynamo.commands.codegen`.

Errors reach the main CLI, which prints them on one line: exit 2 for a bad
``--lang`` or an unwritable ``-o``, 4 for a missing or unreadable model or
patterns file.
"""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter, show_result
from sql2dynamo.cli.options import json_option, model_option, patterns_option, summary_option
from sql2dynamo.commands.codegen import LANGUAGES, codegen


@click.command("codegen")
@model_option()
@click.option(
    "--lang",
    default="python",
    show_default=True,
    help=f"Language of the generated module: {', '.join(LANGUAGES)}.",
)
@patterns_option("The access_patterns.yaml the model was designed from (default: the one beside data_model.json).")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="The module to write (replaced atomically).",
)
@summary_option()
@json_option()
def codegen_cmd(
    model_dir: Path, lang: str, patterns_path: Path | None, output: Path, summary_path: Path | None, as_json: bool
) -> None:
    """Generate a typed data-access module: a dataclass per entity, a method per access pattern.

    The methods run the model's plans through sql2dynamo.runtime.Repository; the
    module passes mypy --strict and ruff, and is the same bytes for the same model.
    """
    result = codegen(model_dir, output, reporter=progress_reporter(), lang=lang, patterns=patterns_path)
    show_result(result, as_json=as_json, summary_path=summary_path)
