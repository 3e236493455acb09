"""Worked examples shipped with sql2dynamo: schemas, data generators and workloads.

Four real applications, each as an :class:`Example` in :data:`EXAMPLES`:

* ``algoitny``: AlgoItny, a Django/MySQL algorithm-practice platform (its design guide, implementation summary);
* ``hustle_hub``: Hustle Hub, a Supabase/PostgreSQL directory of side hustles (its DynamoDB design guide);
* ``decision_data``: Decision Data, users and audio files on RDS PostgreSQL (its DynamoDB migration guide);
* ``chinook``: the Chinook online music store, PostgreSQL naming (snake_case).

Each example's ``schema.sql`` is rendered from its metadata; after changing
a schema, regenerate the files with ``python -m sql2dynamo.examples`` (an
editable install writes into ``src/sql2dynamo/examples/<name>/``), and
check them with ``python -m sql2dynamo.examples --check``.
"""

from __future__ import annotations

from sql2dynamo.common.errors import UsageError
from sql2dynamo.examples import algoitny, chinook, decision_data, hustle_hub
from sql2dynamo.examples.dataset import Example, RowBuilder, render_schema_sql

__all__ = ["EXAMPLES", "Example", "RowBuilder", "get_example", "render_schema_sql"]

EXAMPLES: dict[str, Example] = {
    e.name: e for e in (algoitny.EXAMPLE, hustle_hub.EXAMPLE, decision_data.EXAMPLE, chinook.EXAMPLE)
}


def get_example(name: str) -> Example:
    """The example called ``name`` (``hustle-hub`` works for ``hustle_hub``); a usage error otherwise."""
    key = name.strip().lower().replace("-", "_")
    try:
        return EXAMPLES[key]
    except KeyError:
        raise UsageError(f"unknown example {name!r}", hint=f"choose one of: {', '.join(EXAMPLES)}") from None
