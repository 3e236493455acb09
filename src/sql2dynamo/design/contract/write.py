"""``migrationContract.json``: the contract built from the DataModel in either form, and validated.

The file is a JSON array with one object per DynamoDB table in the migration contract format's
structure (``table``, ``type``, ``source_table``, ``pk``, ``sk``, ``gsis``,
``attributes``, ``satisfies``, ``estimated_item_size_bytes``).  What
infrastructure and migration automation also need is carried in optional,
clearly named extras (``role``, ``key_templates``, ``ttl``, ``entities``,
``lookup_tables``, ``unique_lookup``; per GSI ``key_templates``,
``projection``, ``sparse``, ``satisfies``; per attribute ``transform``,
``nullable``, ``key_template``) so that a reader written for that format reads
the file unchanged.  ``data/migration_contract.schema.json`` documents every
field.

Ordering is deterministic: tables in model order; GSIs in index order; in
``attributes`` the key attributes first (table pk, table sk, then each GSI's
pk and sk), then the main entity's attributes in mapping order.

The work is split by direction: :mod:`~sql2dynamo.design.contract.build`
renders the model to the contract's JSON shape (with
:mod:`~sql2dynamo.design.contract.lookups` for the uniqueness extras), and
:mod:`~sql2dynamo.design.contract.validate` checks a contract against the format
and the schema.  This module joins them into the output files and keeps every
public name importable from here.

:func:`contract_json` is the contract gate: it refuses to produce a file that
fails either the shipped JSON Schema or an independent check of the format's shape.
With ``contract_format="modernizr"`` it writes the Modernizr contract format
instead (:mod:`~sql2dynamo.design.contract.modernizr`), checked against that
format's own schema.
"""

from __future__ import annotations

from typing import Any

from sql2dynamo.common.errors import UsageError
from sql2dynamo.common.frozen import json_text
from sql2dynamo.design.contract.build import build_contract
from sql2dynamo.design.contract.modernizr import build_modernizr
from sql2dynamo.design.contract.modernizr_validate import validate_modernizr
from sql2dynamo.design.contract.read import FORMATS
from sql2dynamo.design.contract.validate import validate_contract
from sql2dynamo.design.model import DataModel

__all__ = ["check_format", "contract_json", "render_data_model_json"]


def check_format(contract_format: str, option: str = "--contract-format") -> None:
    """Refuse a contract form other than ``seed`` (the migration contract format's array) or ``modernizr``."""
    if contract_format not in FORMATS:
        raise UsageError(
            f"unknown {option} {contract_format!r}",
            hint="use seed (the migration contract format's array) or modernizr (the Modernizr contract format)",
        )


def contract_json(model: DataModel, contract_format: str = "seed") -> str:
    """The validated text of ``migrationContract.json`` in ``contract_format`` (the contract gate).

    ``seed`` is the migration contract format's top-level array, checked
    against the project's schema; ``modernizr`` the Modernizr contract
    format, checked against its shipped, unmodified schema.  Indent 2, a
    trailing newline.
    """
    check_format(contract_format)
    contract: Any
    if contract_format == "modernizr":
        contract = build_modernizr(model)
        validate_modernizr(contract)
    else:
        contract = build_contract(model)
        validate_contract(contract)
    return json_text(contract) + "\n"


def render_data_model_json(model: DataModel) -> str:
    """The text of ``data_model.json``: :func:`~sql2dynamo.design.model.model_to_dict`, in dataclass order.

    Indent 2 and a trailing newline, like every stage file.  (:func:`json_text`
    writes the model as ``model_to_dict`` would, without building the dicts.)
    """
    return json_text(model) + "\n"
