"""Reading ``data_model.json`` back, the input of ``deploy`` and of every later stage.

:func:`load_model` turns the file ``design`` wrote into a
:class:`~sql2dynamo.design.model.DataModel`, or raises an ``InputError`` that
names the file and says to run ``design`` first; it also checks the keys that
``model_from_dict`` rebuilds without checking, so a damaged file fails here
and not halfway through a deploy or a migration.
"""

from __future__ import annotations

import json
from pathlib import Path

from sql2dynamo.common.errors import InputError
from sql2dynamo.design.model import DATA_MODEL_FORMAT_VERSION, DataModel, KeyPart, model_from_dict

__all__ = ["DATA_MODEL_FILE", "load_model", "model_file"]

DATA_MODEL_FILE = "data_model.json"
"""The file ``design`` writes into its output directory (``commands.design.DATA_MODEL_FILE``)."""

_DESIGN_FIRST = "run sql2dynamo design first (it writes data_model.json into its -o directory) and pass that directory"


def model_file(model_dir: Path) -> Path:
    """``model_dir/data_model.json``, or ``model_dir`` itself when it is a file."""
    return model_dir if model_dir.is_file() else model_dir / DATA_MODEL_FILE


def load_model(model_dir: Path) -> tuple[Path, DataModel]:
    """Read ``data_model.json`` from ``model_dir`` (or the file ``model_dir``); return its path and the model.

    Raises ``InputError`` naming the file when it is missing, unreadable, not
    JSON, not a data model, of another format version, or has no tables.
    """
    path = model_file(model_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist", hint=_DESIGN_FIRST) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path} ({exc})", hint=_DESIGN_FIRST) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno})", hint=_DESIGN_FIRST) from exc
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
