"""Sample items for the model view: read from the migrated tables, or built from the model alone.

Either way the items are low-level DynamoDB items turned into
:class:`~sql2dynamo.report.data.SampleItem` rows and grouped by partition key
(:func:`collections_of`), so an item collection shows as one block.

* :func:`migrated_samples` scans the first items of each table (bounded) and
  keeps, per entity, the partitions holding the most of the scanned items, so
  every entity shows and collections show whole where the scan saw them.
* :func:`synthesized_samples` makes three rows per source table with
  illustrative values of each column's type (``{column}-{n}``, ``n``, a day
  of January 2024, ...) and builds their items with the migration's own
  :class:`~sql2dynamo.items.transform.ItemBuilder`: keys, index keys, item
  type and TTL are exactly what migrate would write for such rows.  A child
  stored in its parent's partition gets rows 1 and 2 under parent 1 and row
  3 under parent 2, so its collection shows with the parent's item.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sql2dynamo.design.model import DataModel, EntityMapping, KeyPart, TableSpec
from sql2dynamo.design.sizing.items import ITEM_TYPE_ATTRIBUTE
from sql2dynamo.items.transform import ItemBuilder
from sql2dynamo.report.data import Cell, Collection, SampleItem

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ROWS_PER_SOURCE_TABLE = 3
SCAN_ITEMS = 300  # read at most this many items per table to choose the sample from
PARTITIONS_PER_ENTITY = 2
ITEMS_PER_COLLECTION = 6
ITEMS_PER_TABLE = 40
MAX_VALUE_TEXT = 120

LowItem = Mapping[str, Mapping[str, Any]]


# ------------------------------------------------------------------ showing values


def value_text(av: Mapping[str, Any]) -> tuple[str, str]:
    """``(type, text)`` of a low-level attribute value, as one short line."""
    kind, value = next(iter(av.items()))
    if kind in ("S", "N"):
        text = str(value)
    elif kind == "BOOL":
        text = "true" if value else "false"
    elif kind == "NULL":
        text = "null"
    elif kind == "B":
        text = base64.b64encode(bytes(value)).decode("ascii")
    elif kind in ("SS", "NS"):
        text = json.dumps(sorted(str(v) for v in value), ensure_ascii=False)
    elif kind == "BS":
        text = json.dumps(sorted(base64.b64encode(bytes(v)).decode("ascii") for v in value))
    else:  # M, L
        text = json.dumps(_plain(av), ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > MAX_VALUE_TEXT:
        text = text[: MAX_VALUE_TEXT - 1] + "…"
    return kind, text


def _plain(av: Mapping[str, Any]) -> Any:
    kind, value = next(iter(av.items()))
    if kind == "M":
        return {k: _plain(v) for k, v in value.items()}
    if kind == "L":
        return [_plain(v) for v in value]
    return value_text(av)[1] if kind not in ("BOOL", "NULL") else (None if kind == "NULL" else bool(value))


def entity_label(entity: EntityMapping) -> str:
    """How an entity is named in the legend: its item type, else its source table (lookups marked)."""
    if entity.item_type:
        return entity.item_type
    return f"{entity.source_table} (lookup)" if entity.kind == "lookup" else entity.source_table


def _prefix(template: str) -> str:
    return template.split("{", 1)[0]


def identify(spec: TableSpec, item: LowItem, candidates: Sequence[EntityMapping] | None = None) -> str:
    """The label of the entity an item belongs to: by item type, else by the longest matching key prefix."""
    entities = list(candidates if candidates else spec.entities)
    if len(entities) == 1:
        return entity_label(entities[0])
    kind = item.get(ITEM_TYPE_ATTRIBUTE, {}).get("S")
    if kind is not None:
        for e in entities:
            if e.item_type == kind:
                return entity_label(e)
    pk = str(next(iter(item.get(spec.pk.attribute, {"S": ""}).values())))
    sk = str(next(iter(item.get(spec.sk.attribute, {"S": ""}).values()))) if spec.sk else ""
    best: tuple[int, str] | None = None
    for e in entities:
        if not pk.startswith(_prefix(e.pk.template)):
            continue
        if e.sk is not None and not sk.startswith(_prefix(e.sk.template)):
            continue
        score = len(_prefix(e.pk.template)) + (len(_prefix(e.sk.template)) if e.sk else 0)
        if best is None or score > best[0]:
            best = (score, entity_label(e))
    return best[1] if best else entity_label(entities[0])


def sample_item(spec: TableSpec, item: LowItem, entity: str) -> SampleItem:
    """A low-level item as a grid row: the table's keys apart, the other attributes in name order."""
    keys = {spec.pk.attribute, *([spec.sk.attribute] if spec.sk else [])}
    pk = value_text(item[spec.pk.attribute])[1] if spec.pk.attribute in item else ""
    sk = value_text(item[spec.sk.attribute])[1] if spec.sk and spec.sk.attribute in item else None
    cells = tuple(Cell(name, *value_text(item[name])) for name in sorted(item) if name not in keys)
    return SampleItem(entity=entity, pk=pk, sk=sk, attributes=cells)


def collections_of(spec: TableSpec, items: Iterable[SampleItem]) -> tuple[Collection, ...]:
    """Items grouped by partition key (first-seen order), each group in sort-key order as DynamoDB keeps it."""
    groups: dict[str, list[SampleItem]] = {}
    for item in items:
        groups.setdefault(item.pk, []).append(item)
    numeric = spec.sk is not None and spec.sk.type == "N"

    def order(item: SampleItem) -> tuple[int, Decimal, str]:
        if item.sk is None:
            return (0, Decimal(0), "")
        if numeric:
            try:
                return (0, Decimal(item.sk), "")
            except ArithmeticError:
                return (1, Decimal(0), item.sk)
        return (0, Decimal(0), item.sk)

    return tuple(Collection(pk, tuple(sorted(group, key=order))) for pk, group in groups.items())


# ------------------------------------------------------------------ from the migrated tables


def migrated_samples(model: DataModel, client: DynamoDBClient) -> dict[str, tuple[SampleItem, ...]]:
    """Per table, a few partitions of each entity as DynamoDB holds them (boto errors propagate)."""
    out: dict[str, tuple[SampleItem, ...]] = {}
    for spec in model.tables:
        scanned: list[SampleItem] = []
        start: dict[str, Any] | None = None
        while len(scanned) < SCAN_ITEMS:
            kwargs: dict[str, Any] = {"TableName": spec.name, "Limit": SCAN_ITEMS - len(scanned)}
            if start is not None:
                kwargs["ExclusiveStartKey"] = start
            page = client.scan(**kwargs)
            for raw in page.get("Items", []):
                scanned.append(sample_item(spec, raw, identify(spec, raw)))
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        out[spec.name] = choose(spec, scanned)
    return out


def choose(spec: TableSpec, items: Sequence[SampleItem]) -> tuple[SampleItem, ...]:
    """The partitions to show, by entity in legend order: each entity's fullest partition, then more while room is left.

    Each entity (legend order) first gets the partition holding the most of
    its items, so every entity shows whatever the bound; then each gets up to
    :data:`PARTITIONS_PER_ENTITY` while the sample stays under
    :data:`ITEMS_PER_TABLE` items.  A partition shows at most
    :data:`ITEMS_PER_COLLECTION` items.
    """
    by_pk: dict[str, list[SampleItem]] = {}
    for item in items:
        by_pk.setdefault(item.pk, []).append(item)
    labels = list(dict.fromkeys(entity_label(e) for e in spec.entities))
    ranked = {
        label: sorted(
            (pk for pk, group in by_pk.items() if any(i.entity == label for i in group)),
            key=lambda pk: -len(by_pk[pk]),  # stable: first seen first among equals
        )
        for label in labels
    }
    chosen: dict[str, tuple[int, int]] = {}  # partition -> (its entity's place in the legend, round)
    size = 0
    for round_ in range(PARTITIONS_PER_ENTITY):
        for n, label in enumerate(labels):
            fresh = [pk for pk in ranked[label] if pk not in chosen]
            if not fresh:
                continue
            add = min(len(by_pk[fresh[0]]), ITEMS_PER_COLLECTION)
            if round_ > 0 and size + add > ITEMS_PER_TABLE:
                continue
            chosen[fresh[0]] = (n, round_)
            size += add
    out: list[SampleItem] = []
    for pk in sorted(chosen, key=chosen.__getitem__):  # grouped by entity, in legend order
        out += by_pk[pk][:ITEMS_PER_COLLECTION]
    return tuple(out)


# ------------------------------------------------------------------ from the model alone


def synthesized_samples(model: DataModel) -> dict[str, tuple[SampleItem, ...]]:
    """Per table, the items migrate would write for three illustrative rows of each source table."""
    builder = ItemBuilder(model)
    specs = {t.name: t for t in model.tables}
    found: dict[str, list[SampleItem]] = {t.name: [] for t in model.tables}
    for source_table in builder.source_tables:
        entities = builder.model_entities(source_table)
        types = _column_types(model, source_table)
        grouped = _grouping_columns(entities)
        related: dict[str, Mapping[str, Any] | None] = {p: None for p in builder.joins(source_table)}
        for n in range(1, ROWS_PER_SOURCE_TABLE + 1):
            row = {col: _value(col, kind, (n + 1) // 2 if col in grouped else n) for col, kind in types.items()}
            result = builder.items_for(source_table, row, related)
            for table, item in result.items:
                spec = specs[table]
                here = [e for e in spec.entities if e.source_table == source_table]
                found[table].append(sample_item(spec, item, identify(spec, item, here)))
    return {name: choose(specs[name], items) for name, items in found.items()}


def _grouping_columns(entities: Sequence[EntityMapping]) -> set[str]:
    """Partition-key columns of a child stored under its parent's key (its sort key holds its own columns)."""
    out: set[str] = set()
    for e in entities:
        if e.kind == "entity" and e.sk is not None and e.sk.columns and set(e.pk.columns) - set(e.sk.columns):
            out |= set(e.pk.columns) - set(e.sk.columns)
    return out


def _column_types(model: DataModel, source_table: str) -> dict[str, str]:
    """Every column the model reads from ``source_table``, with its normalized type (guessed from keys if unsaid)."""
    types: dict[str, str] = {}
    keys: list[KeyPart] = []
    for spec in model.tables:
        for e in spec.entities:
            if e.source_table != source_table:
                continue
            for a in e.attributes:
                if not a.denormalized and a.source_table == source_table:
                    types.setdefault(a.source_column, a.transform)
            keys += [e.pk, *([e.sk] if e.sk else []), *e.index_keys]
            for c in e.unique_columns:
                types.setdefault(c, "string")
            for cond in e.sparse_keys.values():
                types.setdefault(cond.column, "string")
            if e.ttl is not None:
                types.setdefault(e.ttl.source_column, "datetime")
            for a in e.attributes:
                if a.join is not None:
                    types.setdefault(a.join.local_column, "integer")
    for key in keys:
        single = len(key.columns) == 1 and key.template.strip() == f"{{{key.columns[0]}}}"
        for c in key.columns:
            fmt = key.template.split("{" + c, 1)[1][:4] if "{" + c in key.template else ""
            guess = "integer" if (single and key.type == "N") or fmt.startswith(":pad") else "string"
            guess = "datetime" if fmt.startswith(":dat") else guess
            types.setdefault(c, guess)
    return types


def _value(column: str, kind: str, n: int) -> Any:
    """An illustrative value of a normalized type; ``n`` (1, 2, ...) tells the rows apart."""
    day = dt.datetime(2024, 1, 1, 9, 30) + dt.timedelta(days=n - 1, hours=n)
    values: dict[str, Any] = {
        "integer": n,
        "decimal": Decimal(f"{n * 10}.50"),
        "float": n + 0.25,
        "boolean": n % 2 == 1,
        "uuid": uuid.UUID(int=n),
        "date": day.date(),
        "datetime": day,
        "datetime_tz": day.replace(tzinfo=dt.UTC),
        "time": day.time(),
        "interval": dt.timedelta(hours=n),
        "json": {"n": n},
        "binary": bytes([n]) * 4,
        "set": {f"{column}-{n}"},
        "array": [n],
    }
    return values.get(kind, f"{column}-{n}")
