"""``sql2dynamo contract convert``: a migration contract from one form to the other.

``IN`` is read, its form recognized (an array: the migration contract
format, ``seed``; ``{"tables": ...}``: the Modernizr contract format) and
validated against that form's schema; the model it describes is written to
``OUT`` in the form ``to`` (default: the other one), validated against that
form's schema before anything is written, atomically.  What both forms can
say survives the trip; what only one can say (see
:data:`~sql2dynamo.design.contract.modernizr.NOT_CARRIED`) is lost going to
Modernizr, and comes back from Modernizr as the defaults ``design`` would
not have chosen (listed in ``dropped``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.design.contract.modernizr import NOT_CARRIED
from sql2dynamo.design.contract.read import ContractFormat, contract_format, read_contract
from sql2dynamo.design.contract.write import check_format, contract_json

__all__ = ["ConvertResult", "convert", "read_json"]

_FORM_NAMES = {"seed": "the migration contract format", "modernizr": "the Modernizr contract format"}


@dataclass(frozen=True)
class ConvertResult(Result):
    """What ``contract convert`` read and wrote."""

    source: Path
    out: Path
    from_format: ContractFormat
    to_format: ContractFormat
    tables: tuple[str, ...]
    dropped: tuple[str, ...]  # what the source form said that the target form cannot

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--json`` and ``--summary FILE.json``)."""
        return {
            "command": "contract convert",
            "in": str(self.source),
            "out": str(self.out),
            "from": self.from_format,
            "to": self.to_format,
            "tables": list(self.tables),
            "dropped": list(self.dropped),
        }

    def describe(self, out: Reporter) -> None:
        """The file written and, when going to Modernizr, what did not fit."""
        out.info(
            f"wrote {self.out}: {len(self.tables)} table(s) in {_FORM_NAMES[self.to_format]} "
            f"(from {_FORM_NAMES[self.from_format]} in {self.source})"
        )
        for item in self.dropped:
            out.info(f"  not carried: {item}")


def read_json(path: Path, what: str = "migration contract") -> Any:
    """The JSON in ``path``; a missing, unreadable or malformed file is an InputError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint=f"pass the path of a {what}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} ({exc})", hint=f"pass the path of a readable {what}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})", hint=f"pass the path of a {what}"
        ) from exc


def convert(source: Path, out: Path, *, to: str | None = None) -> ConvertResult:
    """Convert the contract in ``source`` to the form ``to`` (``seed`` or ``modernizr``; default the other) in ``out``.

    Raises ``UsageError`` for an unknown ``to`` and ``InputError`` for a file
    that is missing, not JSON, not a contract or invalid in its form (nothing
    is written then).
    """
    if to is not None:
        check_format(to, "--to")
    data = read_json(source)
    from_format = contract_format(data)
    model = read_contract(data, name=str(source))
    assert from_format is not None  # read_contract refuses anything else
    target: ContractFormat = ("modernizr" if from_format == "seed" else "seed") if to is None else to  # type: ignore[assignment]
    text = contract_json(model, target)
    atomic_write_text(out, text)
    dropped = NOT_CARRIED if (from_format, target) == ("seed", "modernizr") else ()
    return ConvertResult(source, out, from_format, target, tuple(t.name for t in model.tables), dropped)
