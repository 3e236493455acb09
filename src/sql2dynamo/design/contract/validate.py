"""Checking a ``migrationContract.json`` (built here or read back): the contract format's shape and its JSON Schema.

:func:`validate_contract` runs two independent checks: the format's rules,
written out by hand so that they hold whatever the schema file says (their
messages are the clearest), then the shipped JSON Schema
(``data/migration_contract.schema.json``, draft 2020-12), which also catches
unknown keys.  Valid contracts take the compiled ``fastjsonschema`` path;
only an invalid one pays for ``jsonschema``, which names every error's path.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any, NoReturn

import fastjsonschema
import jsonschema

from sql2dynamo.common.errors import InputError

__all__ = [
    "DDB_TYPES",
    "ENTRY_TYPES",
    "FILE_NAME",
    "KEY_TYPES",
    "SCHEMA_RESOURCE",
    "contract_schema",
    "validate_contract",
]

SCHEMA_RESOURCE = "data/migration_contract.schema.json"
FILE_NAME = "migrationContract.json"
DDB_TYPES = frozenset({"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"})
KEY_TYPES = frozenset({"S", "N", "B"})
ENTRY_TYPES = frozenset({"Table", "GSI"})
_Fail = Callable[[str, str], NoReturn]
_HINT = (
    "the contract is generated from data_model.json: fix the design and generate it again, or correct "
    "the field by hand (every field is described in sql2dynamo/design/data/migration_contract.schema.json)"
)


@cache
def _schema_text() -> str:
    return resources.files("sql2dynamo.design").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


def contract_schema() -> dict[str, Any]:
    """The shipped JSON Schema (draft 2020-12) of ``migrationContract.json``, a fresh copy."""
    return copy.deepcopy(_schema())


@cache
def _schema() -> dict[str, Any]:
    data = json.loads(_schema_text())
    if not isinstance(data, dict):  # pragma: no cover - the shipped file is an object
        raise TypeError("migration_contract.schema.json is not a JSON object")
    return data


@cache
def _fast_validator() -> Callable[[Any], Any]:
    # Compiled to Python code: valid contracts (the usual case) are checked in milliseconds.
    return fastjsonschema.compile(_schema())


@cache
def _validator() -> jsonschema.protocols.Validator:

    return jsonschema.Draft202012Validator(_schema())


def validate_contract(contract: Any) -> None:
    """Check ``contract`` against the migration contract format's shape and the shipped JSON Schema.

    The format check runs first (its messages are the clearest), then the
    schema, which also catches unknown keys.  The first problem found raises
    :class:`InputError` naming the table and the JSON path, e.g.
    ``table 'Orders': $[2].attributes.customer_name: denormalized is true but join is missing``.
    """
    _check_seed_shape(contract)
    try:
        _fast_validator()(contract)
        return
    except fastjsonschema.JsonSchemaException:
        pass  # jsonschema below finds every error and names the path
    errors = sorted(_validator().iter_errors(contract), key=lambda e: (e.json_path, e.validator, e.message))
    if errors:
        first = errors[0]
        index = first.absolute_path[0] if first.absolute_path else None
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        _fail(contract, index if isinstance(index, int) else None, first.json_path, first.message + more)


def _fail(contract: Any, index: int | None, path: str, problem: str) -> NoReturn:
    if index is None:
        raise InputError(f"{FILE_NAME}: {path}: {problem}", hint=_HINT, path=path)
    entry = contract[index] if isinstance(contract, list) and index < len(contract) else None
    raw = entry.get("table") if isinstance(entry, dict) else None
    name = raw if isinstance(raw, str) and raw else None
    # A table without a usable name is named by its position, as a person counts.
    label = repr(name) if name else f"#{index + 1}"
    raise InputError(f"{FILE_NAME}: table {label}: {path}: {problem}", hint=_HINT, table=name, path=path)


def _member(path: str, key: str) -> str:
    return f"{path}.{key}" if key.isidentifier() else f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _check_seed_shape(contract: Any) -> None:
    """The format's rules, checked by hand so that they hold whatever the schema file says."""
    if not isinstance(contract, list):
        _fail(contract, None, "$", "the contract must be a JSON array with one object per table")
    if not contract:
        _fail(contract, None, "$", "the contract lists no table")
    names: dict[str, int] = {}
    for i, entry in enumerate(contract):
        path = f"$[{i}]"

        def fail(where: str, problem: str, index: int = i) -> NoReturn:
            _fail(contract, index, where, problem)

        if not isinstance(entry, dict):
            fail(path, "each table must be a JSON object")
        for key in ("table", "type", "source_table", "pk"):
            value = entry.get(key)
            if key not in entry:
                fail(_member(path, key), f"{key} is missing")
            if not isinstance(value, str) or not value.strip():
                fail(_member(path, key), f"{key} must be a non-empty string")
        if entry["type"] not in ENTRY_TYPES:
            fail(_member(path, "type"), f'type is {entry["type"]!r}; it must be "Table" or "GSI"')
        if entry["table"] in names:
            fail(_member(path, "table"), f"table name used twice (first at $[{names[entry['table']]}])")
        names[entry["table"]] = i
        if "sk" in entry and (not isinstance(entry["sk"], str) or not entry["sk"].strip()):
            fail(_member(path, "sk"), "sk, when present, must be a non-empty string")
        keys: list[tuple[str, str]] = [(entry["pk"], _member(path, "pk"))]
        if "sk" in entry:
            keys.append((entry["sk"], _member(path, "sk")))
        keys += _check_gsis(entry, path, fail)
        _check_attributes(entry, path, fail)
        attributes = entry["attributes"]
        for attribute, where in keys:
            if attribute not in attributes:
                fail(where, f"key attribute {attribute!r} is not described in attributes")
            if attributes[attribute].get("type") not in KEY_TYPES:
                fail(
                    _member(_member(path, "attributes"), attribute) + ".type",
                    f"key attribute {attribute!r} must be of type S, N or B",
                )
        satisfies = entry.get("satisfies")
        if not isinstance(satisfies, list) or not all(isinstance(s, str) and s for s in satisfies):
            fail(_member(path, "satisfies"), "satisfies must be a list of access pattern descriptions")
        size = entry.get("estimated_item_size_bytes")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            fail(
                _member(path, "estimated_item_size_bytes"),
                "estimated_item_size_bytes must be a positive integer",
            )


def _check_gsis(entry: dict[str, Any], path: str, fail: _Fail) -> list[tuple[str, str]]:
    if "gsis" not in entry:
        return []
    gsis = entry["gsis"]
    where = _member(path, "gsis")
    if not isinstance(gsis, list):
        fail(where, "gsis, when present, must be a list")
    keys: list[tuple[str, str]] = []
    seen: set[str] = set()
    for j, gsi in enumerate(gsis):
        at = f"{where}[{j}]"
        if not isinstance(gsi, dict):
            fail(at, "each GSI must be a JSON object")
        for key in ("name", "pk"):
            if not isinstance(gsi.get(key), str) or not gsi[key].strip():
                fail(_member(at, key), f"GSI {key} must be a non-empty string")
        if "sk" in gsi and (not isinstance(gsi["sk"], str) or not gsi["sk"].strip()):
            fail(_member(at, "sk"), "GSI sk, when present, must be a non-empty string")
        if gsi["name"] in seen:
            fail(_member(at, "name"), f"GSI name {gsi['name']!r} used twice in this table")
        seen.add(gsi["name"])
        keys.append((gsi["pk"], _member(at, "pk")))
        if "sk" in gsi:
            keys.append((gsi["sk"], _member(at, "sk")))
    return keys


def _check_attributes(entry: dict[str, Any], path: str, fail: _Fail) -> None:
    attributes = entry.get("attributes")
    where = _member(path, "attributes")
    if not isinstance(attributes, dict) or not attributes:
        fail(where, "attributes must be a non-empty object of attribute name -> description")
    for name, spec in attributes.items():
        at = _member(where, name)
        if not isinstance(spec, dict):
            fail(at, "each attribute must be a JSON object")
        if spec.get("type") not in DDB_TYPES:
            fail(
                _member(at, "type"),
                f"type {spec.get('type')!r} is not a DynamoDB type ({', '.join(sorted(DDB_TYPES))})",
            )
        if not isinstance(spec.get("source_table"), str) or not spec["source_table"].strip():
            fail(_member(at, "source_table"), "source_table must be a non-empty string")
        column = spec.get("source_column")
        if not isinstance(column, str) or (not column.strip() and "key_template" not in spec):
            fail(_member(at, "source_column"), "source_column must be a non-empty string")
        if "denormalized" in spec and not isinstance(spec["denormalized"], bool):
            fail(_member(at, "denormalized"), "denormalized must be true or false")
        if spec.get("denormalized") is True:
            justification = spec.get("justification")
            if not isinstance(justification, str) or not justification.strip():
                fail(_member(at, "justification"), "denormalized is true but justification is missing")
            join = spec.get("join")
            if not isinstance(join, dict):
                fail(_member(at, "join"), "denormalized is true but join is missing")
            for key in ("local_column", "source_column"):
                if not isinstance(join.get(key), str) or not join[key].strip():
                    fail(_member(_member(at, "join"), key), f"join.{key} must be a non-empty string")
