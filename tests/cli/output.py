"""Checks on where a command's output went: the result on stdout, progress and errors on stderr."""

from __future__ import annotations

import json
from typing import Any

from tests.helpers.cli import CliResult


def _refuse(name: str) -> Any:
    raise AssertionError(f"stdout is not strict JSON: it holds {name}")


def result_json(res: CliResult, command: str) -> dict[str, Any]:
    """The ``--json`` result of ``command``: all of stdout, parsed strictly (no NaN or Infinity)."""
    assert res.out.strip(), f"nothing on stdout; stderr: {res.err}"
    data = json.loads(res.out, parse_constant=_refuse)
    assert isinstance(data, dict) and data["command"] == command, data
    assert res.out.strip() not in res.err  # the JSON is not copied to stderr
    return data


def assert_split(res: CliResult, *, result: str, progress: str) -> None:
    """``result`` (a line of the result's table or closing line) is on stdout only; ``progress`` on stderr only."""
    assert result in res.out, f"{result!r} not on stdout: {res.out!r}"
    assert result not in res.err, f"{result!r} on stderr too: {res.err!r}"
    assert progress in res.err, f"{progress!r} not on stderr: {res.err!r}"
    assert progress not in res.out, f"{progress!r} on stdout: {res.out!r}"
