"""Checking a contract in the Modernizr contract format against its JSON Schema, shipped unmodified.

The schema (draft-07) is ``data/modernizr_migration_contract_schema.json``
(MIT No Attribution, ``data/LICENSE-modernizr.txt`` beside it).  As for the
migration contract format, valid contracts take the compiled
``fastjsonschema`` path and only an invalid one pays for ``jsonschema``,
which names every error's path.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
import jsonschema

from sql2dynamo.common.errors import InputError

__all__ = ["MODERNIZR_SCHEMA_RESOURCE", "modernizr_schema", "validate_modernizr"]

MODERNIZR_SCHEMA_RESOURCE = "data/modernizr_migration_contract_schema.json"
_HINT = (
    "correct the contract (the Modernizr contract format is described in "
    "sql2dynamo/design/data/modernizr_migration_contract_schema.json), or write it again with "
    "sql2dynamo design --contract-format modernizr or sql2dynamo contract convert"
)


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("sql2dynamo.design").joinpath(MODERNIZR_SCHEMA_RESOURCE).read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):  # pragma: no cover - the shipped file is an object
        raise TypeError("modernizr_migration_contract_schema.json is not a JSON object")
    return data


def modernizr_schema() -> dict[str, Any]:
    """The shipped JSON Schema (draft-07) of the Modernizr contract format, a fresh copy."""
    return copy.deepcopy(_schema())


@cache
def _fast_validator() -> Callable[[Any], Any]:
    return fastjsonschema.compile(_schema())


def validate_modernizr(contract: Any, *, name: str = "migrationContract.json") -> None:
    """Check ``contract`` against the Modernizr contract format's JSON Schema.

    The first error (by path) raises :class:`InputError` naming the file
    ``name``, the table when the path is inside one, and the JSON path, e.g.
    ``migrationContract.json (Modernizr contract format): table 'Orders':
    $.tables[0].attributes[2]: 'source_column' is a required property``.
    """
    try:
        _fast_validator()(contract)
        return
    except fastjsonschema.JsonSchemaException:
        pass  # jsonschema below finds every error and names the path
    validator = jsonschema.Draft7Validator(_schema())
    errors = sorted(validator.iter_errors(contract), key=lambda e: (e.json_path, e.validator, e.message))
    if not errors:  # pragma: no cover - both validators implement the same draft
        return
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    path = list(first.absolute_path)
    table = None
    if len(path) >= 2 and path[0] == "tables" and isinstance(path[1], int):
        entry = contract["tables"][path[1]]
        raw = entry.get("table") if isinstance(entry, dict) else None
        table = raw if isinstance(raw, str) and raw else None
    where = f"table {table!r}: " if table else ""
    raise InputError(
        f"{name} (Modernizr contract format): {where}{first.json_path}: {first.message}{more}",
        hint=_HINT,
        table=table,
        path=first.json_path,
    )
