"""Options several commands share, defined once so their spelling, default and metavar cannot drift."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

MODEL_HELP = "Directory with data_model.json (the -o directory of design), or the file itself."


def model_option(help: str = MODEL_HELP) -> Callable[[F], F]:
    """``--model DIR`` (parameter ``model_dir``, default the current directory)."""
    return click.option(
        "--model",
        "model_dir",
        type=click.Path(path_type=Path),
        default=Path("."),
        show_default=True,
        metavar="DIR",
        help=help,
    )
