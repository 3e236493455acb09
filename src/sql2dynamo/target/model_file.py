"""Reading ``data_model.json`` back, the input of ``deploy`` and of every later stage.

:func:`load_model` turns the file ``design`` wrote into a
:class:`~sql2dynamo.design.model.DataModel`, or raises an ``InputError`` that
names the file and says to run ``design`` first; it also checks the keys that
``model_from_dict`` rebuilds without checking, so a damaged file fails here
and not halfway through a deploy or a migration.

A migration contract is enough to move data: with ``contract=True``
(``deploy``, ``migrate``, ``verify``) a directory holding
``migrationContract.json`` but no ``data_model.json``, or a contract file
given as the model, is read in either form (the migration contract format or
the Modernizr contract format, see :mod:`~sql2dynamo.design.contract.read`).
With ``source_url`` the source's structure is read live for the conversions
and nullability a contract does not state.  The other commands execute
access plans, which no contract carries: for them a contract alone is an
``InputError`` saying so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.contract.read import contract_format, read_contract, source_tables
from sql2dynamo.design.model import DATA_MODEL_FORMAT_VERSION, DataModel, KeyPart, model_from_dict
from sql2dynamo.source.connect import open_source
from sql2dynamo.source.introspect import introspect
from sql2dynamo.source.live import default_schema
from sql2dynamo.source.model import Schema

__all__ = ["CONTRACT_FILE", "DATA_MODEL_FILE", "load_model", "model_file"]

DATA_MODEL_FILE = "data_model.json"
"""The file ``design`` writes into its output directory (``commands.design.DATA_MODEL_FILE``)."""

CONTRACT_FILE = "migrationContract.json"
"""The migration contract ``design`` writes beside it (``commands.design.CONTRACT_FILE``)."""

_LACKS = "a migration contract carries no access plans, which this command executes"
_NO_PLANS = "run sql2dynamo design and pass its -o directory (deploy, migrate and verify can run from a contract alone)"

_DESIGN_FIRST = "run sql2dynamo design first (it writes data_model.json into its -o directory) and pass that directory"


def model_file(model_dir: Path) -> Path:
    """``model_dir/data_model.json``, or ``model_dir`` itself when it is a file."""
    return model_dir if model_dir.is_file() else model_dir / DATA_MODEL_FILE


def load_model(model_dir: Path, *, contract: bool = False, source_url: str | None = None) -> tuple[Path, DataModel]:
    """Read ``data_model.json`` from ``model_dir`` (or the file ``model_dir``); return its path and the model.

    ``contract=True`` also accepts a migration contract of either form in its
    place (see the module docstring); ``source_url`` then supplies what the
    contract does not state.  Raises ``InputError`` naming the file when it
    is missing, unreadable, not JSON, not a data model (or contract), of
    another format version, or has no tables.
    """
    path = model_file(model_dir)
    beside = path.parent / CONTRACT_FILE
    if not path.exists() and beside.is_file():
        if not contract:
            raise InputError(f"{path} does not exist, and {beside} cannot stand in for it: {_LACKS}", hint=_NO_PLANS)
        path = beside
    data = _read_json(path)
    if contract_format(data) is not None:
        if not contract:
            raise InputError(f"{path} is not a data model but a migration contract: {_LACKS}", hint=_NO_PLANS)
        schema = _live_schema(source_url, source_tables(data)) if source_url is not None else None
        return path, read_contract(data, name=str(path), schema=schema)
    if not isinstance(data, dict):
        raise InputError(f"{path} is not a data model (its JSON is not an object)", hint=_DESIGN_FIRST)
    version = data.get("format_version", DATA_MODEL_FORMAT_VERSION)
    if version != DATA_MODEL_FORMAT_VERSION:
        raise InputError(
            f"{path} has format version {version!r}; this sql2dynamo reads version {DATA_MODEL_FORMAT_VERSION}",
            hint="run sql2dynamo design again with this version of sql2dynamo",
        )
    try:
        model = model_from_dict(data)
        _check_keys(model)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise InputError(
            f"{path} is not a data model written by sql2dynamo design ({exc})", hint=_DESIGN_FIRST
        ) from exc
    if not model.tables:
        raise InputError(f"{path} has no tables", hint=_DESIGN_FIRST)
    return path, model


def _check_keys(model: DataModel) -> None:
    # from_dict rebuilds what is there without checking it: a null or missing key
    # would otherwise surface as an internal error halfway through a deploy.
    names = [t.name for t in model.tables]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        # two specs of one table would meet at CreateTable ("created by someone else")
        raise ValueError(f"table {twice[0]} is described twice")
    for table in model.tables:
        keys: list[tuple[str, object, bool]] = [("partition key", table.pk, True), ("sort key", table.sk, False)]
        for index in table.indexes:
            keys += [
                (f"GSI {index.name} partition key", index.pk, True),
                (f"GSI {index.name} sort key", index.sk, False),
            ]
        for role, key, required in keys:
            if (key is None and required) or (key is not None and not isinstance(key, KeyPart)):
                raise ValueError(f"table {table.name}: the {role} is missing or malformed")


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint=_DESIGN_FIRST) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} ({exc})", hint=_DESIGN_FIRST) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})", hint=_DESIGN_FIRST) from exc


def _live_schema(source_url: str, tables: list[str]) -> Schema:
    """The structure (no statistics) of the source tables a contract maps, read from the live database."""
    source = open_source(source_url)
    try:
        with source.engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names(schema=default_schema(source, conn)))
        missing = [t for t in tables if t not in present]
        if missing:
            raise InputError(
                f"the contract maps source table(s) {', '.join(missing)}, which {source.display_url} does not have",
                hint="migrate from the database the contract was written for, or correct its source_table names",
            )
        return introspect(source, reporter=RecordingReporter(), include=tables, with_stats=False)
    finally:
        source.engine.dispose()
