"""Source rows -> DynamoDB items, exactly as the DataModel says; rows DynamoDB cannot hold become rejects.

:class:`ItemBuilder` compiles the model once (per entity: key renderers, the
``(attribute, column, converter)`` list, sparse conditions, TTL; see
:mod:`sql2dynamo.items.plan`) so that :meth:`ItemBuilder.items_for`
is a tight loop per row.  For one row it gives the entity item in every
table whose entities map the row's table, plus one lookup item per unique
mapping whose unique columns are all non-NULL.  Item and key sizes follow
DynamoDB's byte rules in :mod:`sql2dynamo.items.size`.

Item layout, in order (a later attribute never overwrites an earlier one,
as in :mod:`sql2dynamo.design.sizing.items`): table keys, index keys (a sparse
one only when its condition holds; one whose column is NULL or that renders
empty is left out, so the item is simply not in that index), the item type
(``entity_type``, single-table designs), the attributes, denormalized
copies, the TTL (epoch seconds of ``source_column`` + ``retention_days``,
left out when the column is NULL; naive date-times count as UTC).

Rejects never raise: a row is migrated whole or not at all.  When any of a
row's items cannot be written (a NULL or empty table key, an unconvertible
value, an empty string in an index key attribute, a key over 2048/1024
bytes, an item over 400 KB), the row yields no items and one :class:`Reject`
per failing item.

Denormalized attributes (``AttributeSpec.denormalized`` with a ``join``)
come from the parent row, which the reader supplies: ``related`` maps the
parent's source table to its row ``r`` with ``r[join.source_column] ==
row[join.local_column]``, or to ``None`` when there is none (the copies are
then left out).  :meth:`ItemBuilder.joins` lists, per source table, the
parents and joins the reader must resolve; ``related`` may omit a parent
whose local column is NULL in the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sql2dynamo.design.model import DataModel, EntityMapping, Join
from sql2dynamo.design.sizing.items import ITEM_TYPE_ATTRIBUTE
from sql2dynamo.design.sizing.values import ITEM_SIZE_LIMIT
from sql2dynamo.items.converters import AttributeValue, ValueRejected, epoch_seconds
from sql2dynamo.items.plan import AttributePlan, CompiledEntity, EntityCompiler, Row
from sql2dynamo.items.size import check_key_size, item_size, value_size
from sql2dynamo.items.templates import EmptyKey
from sql2dynamo.items.values import ValueConverter, ValueRule

# The sizing, limits and sparse test moved to item_bytes / item_plan; they stay importable from here.
__all__ = ["Item", "ItemBuilder", "Reject", "RowResult"]

Item = dict[str, AttributeValue]


@dataclass(frozen=True)
class Reject:
    """A row (identified by its primary-key values) whose item for ``table`` cannot be written, and why."""

    source_table: str
    key: dict[str, Any]
    reason: str
    table: str


@dataclass(frozen=True)
class RowResult:
    """One row's items as ``(DynamoDB table, low-level item)`` pairs, or its rejects (then no items)."""

    items: list[tuple[str, Item]]
    rejects: list[Reject]


class ItemBuilder:
    """Builds the items of source rows for one DataModel; compile once, call :meth:`items_for` per row."""

    def __init__(
        self,
        model: DataModel,
        *,
        value_rules: Sequence[ValueRule] = (),
        primary_keys: Mapping[str, Sequence[str]] | None = None,
        item_type_attribute: str = ITEM_TYPE_ATTRIBUTE,
    ) -> None:
        """Compile ``model``.

        ``value_rules`` go in front of :data:`~sql2dynamo.items.values.DEFAULT_RULES`;
        ``primary_keys`` (source table -> columns) names the values a
        :class:`Reject` reports, by default the columns of the entity's key
        templates.  Model inconsistencies that do not stop the build (an
        attribute typed unlike its transform) are listed in ``warnings``.
        """
        self.model = model
        self.values = ValueConverter(value_rules)
        self.custom_rules = bool(value_rules)
        self.item_type_attribute = item_type_attribute
        # A user rule may write anything: then only the exact size is safe.
        compiler = EntityCompiler(
            model, self.values, item_type_attribute=item_type_attribute, bounded=not self.custom_rules
        )
        self.warnings: list[str] = compiler.warnings
        self._entities: dict[str, list[CompiledEntity]] = {}
        self._joins: dict[str, dict[str, Join]] = compiler.joins
        for spec in model.tables:
            for entity in spec.entities:
                self._entities.setdefault(entity.source_table, []).append(compiler.compile(spec, entity))
        self._primary: dict[str, tuple[str, ...]] = {
            t: tuple(primary_keys[t]) if primary_keys and t in primary_keys else self._default_key(t)
            for t in self._entities
        }

    @property
    def source_tables(self) -> tuple[str, ...]:
        """The source tables this model maps, in model order."""
        return tuple(self._entities)

    def joins(self, source_table: str) -> dict[str, Join]:
        """Parent table -> join, for the ``related`` rows :meth:`items_for` needs with rows of ``source_table``."""
        return dict(self._joins.get(source_table, {}))

    def primary_key(self, source_table: str) -> tuple[str, ...]:
        """The columns whose values identify a row of ``source_table`` in a :class:`Reject`."""
        return self._primary[source_table]

    def items_for(self, source_table: str, row: Row, related: Mapping[str, Row | None] | None = None) -> RowResult:
        """The items of one row (see the module docstring), or its rejects.

        ``row`` maps every column of ``source_table`` to the driver's value;
        ``related`` holds the parent rows of denormalized attributes.  An
        unknown ``source_table`` is a KeyError; a parent missing from
        ``related`` while the row refers to one is a ValueError (a reader bug).
        """
        items: list[tuple[str, Item]] = []
        rejects: list[Reject] = []
        for entity in self._entities[source_table]:
            if entity.unique_columns and any(row[c] is None for c in entity.unique_columns):
                continue  # SQL lets any number of rows hold NULL in a unique column: nothing to guard
            try:
                items.append((entity.table, self._build(entity, row, related)))
            except ValueRejected as exc:
                key = {c: row.get(c) for c in self._primary[source_table]}
                rejects.append(Reject(source_table, key, exc.reason, entity.table))
        return RowResult([], rejects) if rejects else RowResult(items, rejects)

    # -------------------------------------------------------------- per row

    def _build(self, entity: CompiledEntity, row: Row, related: Mapping[str, Row | None] | None) -> Item:
        item: Item = {}
        for name, render, limit, kind in entity.keys:
            av = render(row)
            if kind != "N" and (kind == "B" or 4 * len(av["S"]) > limit):  # N keys hold 21 bytes at most
                check_key_size(name, av, limit)
            item[name] = av
        for name, render, limit, kind, condition in entity.index_keys:
            if condition is not None and not condition(row):
                continue
            try:
                av = render(row)
            except EmptyKey:
                continue  # a NULL or empty field: the item is not in this index, as SQL's NULL matches nothing
            if kind != "N" and (kind == "B" or 4 * len(av["S"]) > limit):
                check_key_size(name, av, limit)
            item[name] = av
        for name, text in entity.constants:
            item[name] = {"S": text}
        _copy(item, entity.attributes, row)
        for parent, local, specs in entity.copies:
            if row[local] is None:
                continue
            if related is None or parent not in related:
                raise ValueError(f"{entity.table}: items of this table need the related {parent} row")
            parent_row = related[parent]
            if parent_row is not None:
                _copy(item, specs, parent_row)
        if entity.ttl is not None:
            name, column, seconds = entity.ttl
            value = row[column]
            if value is not None and name not in item:
                try:
                    item[name] = {"N": str(epoch_seconds(value) + seconds)}
                except ValueRejected as exc:
                    raise ValueRejected(f"TTL {name} from {column}: {exc.reason}") from None
        for name, kind, limit in entity.index_checks:
            present = item.get(name)
            if present is not None:
                if kind not in present:
                    raise ValueRejected(f"{name} is an index key typed {kind}, the value is {next(iter(present))}")
                if present[kind] == "" or present[kind] == b"":
                    raise ValueRejected(f"{name} is an index key: DynamoDB refuses an empty value there")
                check_key_size(name, present, limit)
        if entity.fixed_bytes is not None:
            # Most items are far below 400 KB: a bound (4 bytes per character at most) spares the exact count.
            bound = entity.fixed_bytes
            for name in entity.open_names:
                present = item.get(name)
                if present is not None:
                    chars = present.get("S")
                    bound += 4 * len(chars) if chars is not None else value_size(present)
            if bound <= ITEM_SIZE_LIMIT:
                return item
        size = item_size(item)
        if size > ITEM_SIZE_LIMIT:
            raise ValueRejected(f"the item is {size} bytes, over DynamoDB's {ITEM_SIZE_LIMIT} (400 KB)")
        return item

    def _default_key(self, source_table: str) -> tuple[str, ...]:
        entities = self.model_entities(source_table)
        chosen = next((e for e in entities if e.kind == "entity"), entities[0])
        cols = chosen.pk.columns + (chosen.sk.columns if chosen.sk else ())
        return tuple(dict.fromkeys(cols)) or chosen.unique_columns

    def model_entities(self, source_table: str) -> list[EntityMapping]:
        """The model's mappings of ``source_table``, in model order."""
        return [e for t in self.model.tables for e in t.entities if e.source_table == source_table]


def _copy(item: Item, specs: list[AttributePlan], row: Row) -> None:
    for name, column, by_class, resolve, transform in specs:
        value = row[column]
        if value is None:
            continue
        try:
            convert = by_class.get(value.__class__)
            av = (convert or resolve(value.__class__))(value)
        except ValueRejected as exc:
            raise ValueRejected(f"{column} ({transform}): {exc.reason}") from None
        if av is not None:
            item[name] = av
