"""What every command prints: ``asdict()`` as strict JSON, ``describe()`` for people, each on stdout."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from sql2dynamo.cli.echo import show_result
from sql2dynamo.cli.main import cli
from sql2dynamo.cli.options import json_option, summary_option
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result, json_text


@dataclass(frozen=True)
class _Odd(Result):
    rate: float

    def summary(self) -> dict[str, Any]:
        return {"command": "odd", "rate": self.rate, "path": Path("/x/y"), "tags": {"b", "a"}, "pair": (1, 2)}

    def describe(self, out: Reporter) -> None:
        out.table("odd", ["rate"], [[self.rate]])
        out.info("odd: done")


@click.command()
@summary_option()
@json_option()
def _odd_cmd(summary_path: Path | None, as_json: bool) -> None:
    click.echo("working ...", err=True)
    show_result(_Odd(math.nan), as_json=as_json, summary_path=summary_path)


def test_asdict_is_strict_json() -> None:
    data = _Odd(math.inf).asdict()
    assert data == {"command": "odd", "rate": None, "path": "/x/y", "tags": ["a", "b"], "pair": [1, 2]}
    assert json.loads(json_text(_Odd(math.nan).summary())) == {**data, "rate": None}


def test_json_on_stdout_progress_on_stderr(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    res = CliRunner().invoke(_odd_cmd, ["--json", "--summary", str(summary)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == json.loads(summary.read_text()) == _Odd(math.nan).asdict()
    assert "NaN" not in res.stdout and res.stderr == "working ...\n"
    human = CliRunner().invoke(_odd_cmd, [])
    assert human.stdout.splitlines()[-1] == "odd: done" and "working" not in human.stdout


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
        else:
            found.append((f"{prefix}{name}", command))
    return found


# `local install|start|stop` print a path or a line, not a result; `local status` has --json.
NO_RESULT = {"local install", "local start", "local stop"}


@pytest.mark.parametrize(
    ("name", "command"),
    [c for c in _commands(cli) if c[0] not in NO_RESULT],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_every_command_with_a_result_takes_json(name: str, command: click.Command) -> None:
    assert "--json" in {o for p in command.params for o in getattr(p, "opts", ())}, f"{name} has no --json"
