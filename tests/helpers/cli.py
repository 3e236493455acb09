"""Run the CLI in-process the way a user would, capturing exit code and output."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sql2dynamo.cli.main import main


@dataclass(frozen=True)
class CliResult:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """Call ``sql2dynamo ARGS`` and return its exit code, stdout and stderr."""
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)
