"""One batch of source rows -> its items per DynamoDB table, and its rejects: the backfill's transform step.

Every path that moves rows (the threaded migrate, the Spark tasks, the
ImportTable export) calls :func:`build_batch`, so they all build exactly the
items :class:`~sql2dynamo.items.transform.ItemBuilder` makes, with the same
denormalized parents (:func:`~sql2dynamo.items.related.related_rows`, one
query per parent table and batch); that is what lets ``verify`` hold
whichever path moved the data.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sql2dynamo.common.reporting import Reporter
from sql2dynamo.design.model import DataModel
from sql2dynamo.items.related import related_rows
from sql2dynamo.items.source_schema import read_mapped_tables
from sql2dynamo.items.transform import Item, ItemBuilder, Reject
from sql2dynamo.source.connect import Source
from sql2dynamo.source.model import Table

__all__ = ["BuiltBatch", "build_batch", "prepare_transform"]


def prepare_transform(
    source: Source, model: DataModel, tables: Collection[str], *, reporter: Reporter
) -> tuple[ItemBuilder, dict[str, Table]]:
    """The model's item builder (its warnings reported) and the source structure of ``tables``.

    The structure also covers the parents their denormalized copies come from, read as the model
    decided it and checked against it up front (a dropped column stops here, before any row moves).
    """
    builder = ItemBuilder(model)
    for warning in builder.warnings:
        reporter.warning(warning)
    parents = {p for t in tables for p in builder.joins(t)}
    schema = read_mapped_tables(source, model, set(tables) | parents, reporter=reporter)
    return builder, {t.name: t for t in schema.tables}


@dataclass
class BuiltBatch:
    """The items of a batch by DynamoDB table (in row order), and the rejects of its rows."""

    by_table: dict[str, list[Item]] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)

    @property
    def items(self) -> int:
        """Items over every table."""
        return sum(len(v) for v in self.by_table.values())

    @property
    def rows_rejected(self) -> int:
        """Distinct rows with at least one reject."""
        return len({json.dumps(r.key, sort_keys=True, default=str) for r in self.rejects})


def build_batch(
    source: Source,
    tables: Mapping[str, Table],
    builder: ItemBuilder,
    name: str,
    batch: Sequence[dict[str, Any]],
    *,
    stop_at_reject: bool = False,
) -> BuiltBatch:
    """The items and rejects of ``batch`` (rows of source table ``name``); ``stop_at_reject``: stop at the first."""
    related = related_rows(source, tables, builder.joins(name), batch)
    out = BuiltBatch()
    for i, row in enumerate(batch):
        result = builder.items_for(name, row, related[i] if related is not None else None)
        if result.rejects:
            out.rejects.extend(result.rejects)
            if stop_at_reject:
                break
        for ddb_table, item in result.items:
            out.by_table.setdefault(ddb_table, []).append(item)
    return out
