"""The DataModel compiled per entity: what :class:`~sql2dynamo.items.transform.ItemBuilder` runs per row.

:class:`EntityCompiler` turns one entity mapping into a :class:`CompiledEntity`
(key renderers, the ``(attribute, column, converter)`` list, sparse conditions,
denormalized copies grouped by parent, TTL, the index key checks the table's
own keys do not cover, and an upper bound of the item's bytes).  It is
separate from the per-row loop in :mod:`sql2dynamo.items.transform` because
it runs once per model and is where the model's inconsistencies are found
(raised, or listed as warnings); the row loop only reads its result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sql2dynamo.common.errors import UnsupportedError
from sql2dynamo.design.keys import DDB_TYPES
from sql2dynamo.design.model import DataModel, EntityMapping, IndexSpec, Join, SparseCondition, TableSpec
from sql2dynamo.design.sizing.values import NUMBER_MAX_BYTES
from sql2dynamo.items.converters import AttributeValue, Converter, ValueRejected, infer
from sql2dynamo.items.size import PARTITION_KEY_MAX_BYTES, SORT_KEY_MAX_BYTES, text_size
from sql2dynamo.items.templates import KeyRenderer, compile_key
from sql2dynamo.items.values import ValueConverter

__all__ = ["MAX_VALUE_BYTES", "AttributePlan", "CompiledEntity", "EntityCompiler", "Row", "sparse_test"]

# The largest value the default rules write per transform (N: 21 bytes, naive/aware ISO date-times: 26/27
# characters, MySQL TIME as text: under 32); other transforms are as long as their data.
MAX_VALUE_BYTES = {
    "integer": NUMBER_MAX_BYTES,
    "decimal": NUMBER_MAX_BYTES,
    "float": NUMBER_MAX_BYTES,
    "boolean": 1,
    "date": 10,
    "datetime": 27,
    "datetime_tz": 27,
    "time": 32,
    "uuid": 36,
}
Row = Mapping[str, Any]
_DAY = 86400

# attribute name, column, converter per value class, how to resolve an unseen class, transform
AttributePlan = tuple[str, str, dict[type, Converter], Callable[[type], Converter], str]


@dataclass
class CompiledEntity:
    """One entity mapping, ready to build the items of its rows."""

    table: str
    unique_columns: tuple[str, ...]
    keys: list[tuple[str, KeyRenderer, int, str]]  # attribute, renderer, byte limit, type
    index_keys: list[tuple[str, KeyRenderer, int, str, Callable[[Row], bool] | None]]  # ... sparse condition
    constants: list[tuple[str, str]]
    attributes: list[AttributePlan]
    copies: list[tuple[str, str, list[AttributePlan]]]  # parent table, local column, attributes from the parent row
    ttl: tuple[str, str, int] | None  # attribute, column, seconds to add
    index_checks: list[tuple[str, str, int]]  # attributes serving as index keys: name, declared type, byte limit
    # An upper bound of the item's bytes without its open-ended attributes (None: always size exactly).
    fixed_bytes: int | None
    open_names: list[str]  # attributes whose size the bound counts per row


# ------------------------------------------------------------------ sparse conditions


def _literal(text: str) -> bool | Decimal | str:
    """A SparseCondition's SQL literal as a comparable value: TRUE/FALSE, 'text' or a number."""
    word = text.strip()
    if word.upper() in ("TRUE", "FALSE"):
        return word.upper() == "TRUE"
    if len(word) >= 2 and word[0] == word[-1] == "'":
        return word[1:-1].replace("''", "'")
    try:
        return Decimal(word)
    except InvalidOperation:
        return word


def _plain(av: AttributeValue | None) -> object:
    if av is None:
        return None
    if "BOOL" in av:
        return av["BOOL"]
    if "N" in av:
        return Decimal(av["N"])
    return av.get("S")


def sparse_test(condition: SparseCondition, convert: Converter = infer) -> Callable[[Row], bool]:
    """Whether a row satisfies ``condition`` (its column's value, normalized like the attribute, equals the literal)."""
    column = condition.column
    if condition.value is None or condition.value.strip().upper() == "NULL":
        return lambda row: row[column] is not None
    target = _literal(condition.value)

    def test(row: Row) -> bool:
        value = row[column]
        if value is None:
            return False
        try:
            return _plain(convert(value)) == target
        except ValueRejected:
            return False  # the attribute itself rejects the row

    return test


# ------------------------------------------------------------------ compiling


class EntityCompiler:
    """Compiles the entities of one DataModel, collecting its warnings and the joins rows will need.

    ``warnings`` and ``joins`` (source table -> parent table -> join) grow
    with every :meth:`compile`; the builder hands them out as they are.
    ``bounded=False`` (user value rules, which may write anything) leaves
    every item to be sized exactly.
    """

    def __init__(self, model: DataModel, values: ValueConverter, *, item_type_attribute: str, bounded: bool) -> None:
        self.values = values
        self.item_type_attribute = item_type_attribute
        self.bounded = bounded
        self.warnings: list[str] = []
        self.joins: dict[str, dict[str, Join]] = {}
        self._columns = self._column_converters(model)

    def _column_converters(self, model: DataModel) -> dict[str, dict[str, Converter]]:
        out: dict[str, dict[str, Converter]] = {}
        for spec in model.tables:
            for entity in spec.entities:
                for attr in entity.attributes:
                    if not attr.denormalized:
                        columns = out.setdefault(attr.source_table, {})
                        columns.setdefault(attr.source_column, self.values.converter(attr.transform))
        return out

    def compile(self, spec: TableSpec, entity: EntityMapping) -> CompiledEntity:
        """``entity`` of table ``spec``; an inconsistency the items cannot survive is an UnsupportedError."""
        columns = self._columns.get(entity.source_table, {})
        keys: list[tuple[str, KeyRenderer, int, str]] = [
            (entity.pk.attribute, compile_key(entity.pk, columns), PARTITION_KEY_MAX_BYTES, entity.pk.type)
        ]
        if entity.sk is not None:
            keys.append((entity.sk.attribute, compile_key(entity.sk, columns), SORT_KEY_MAX_BYTES, entity.sk.type))
        for part, declared in ((entity.pk, spec.pk), (entity.sk, spec.sk)):
            if part is not None and declared is not None and part.type != declared.type:
                raise UnsupportedError(
                    f"{spec.name}: key {part.attribute} is {declared.type}, the entity writes it as {part.type}",
                    table=spec.name,
                )
        index_types: dict[str, tuple[str, int]] = {}
        for index in spec.indexes:
            for part, limit in ((index.pk, PARTITION_KEY_MAX_BYTES), (index.sk, SORT_KEY_MAX_BYTES)):
                if part is not None:
                    known = index_types.get(part.attribute, (part.type, limit))
                    index_types[part.attribute] = (part.type, min(limit, known[1]))
        index_keys: list[tuple[str, KeyRenderer, int, str, Callable[[Row], bool] | None]] = []
        for part in entity.index_keys:
            condition = entity.sparse_keys.get(part.attribute)
            if condition is None:  # as sizing does: the index's own condition when the entity has none
                condition = next((i.sparse for i in spec.indexes if part.attribute in _key_names(i)), None)
            test = sparse_test(condition, columns.get(condition.column, infer)) if condition else None
            kind, limit = index_types.get(part.attribute, (part.type, PARTITION_KEY_MAX_BYTES))
            if kind == part.type:  # else the per-row check below rejects with the reason
                index_types.pop(part.attribute, None)
            index_keys.append((part.attribute, compile_key(part, columns), limit, part.type, test))
        taken = {k[0] for k in keys} | {k[0] for k in index_keys}
        for name in {k[0] for k in keys}:
            index_types.pop(name, None)  # rendered and checked as table keys
        constants = []
        if entity.item_type is not None and self.item_type_attribute not in taken:
            constants.append((self.item_type_attribute, entity.item_type))
            taken.add(self.item_type_attribute)
        own: list[AttributePlan] = []
        copies: dict[str, tuple[str, list[AttributePlan]]] = {}
        for attr in entity.attributes:
            natural = DDB_TYPES.get(attr.transform)
            if natural is not None and natural != attr.type:
                self.warnings.append(
                    f"{spec.name}/{entity.source_table}.{attr.name}: the model types it {attr.type}, "
                    f"its transform {attr.transform} writes {natural}"
                )
            if attr.name in taken:
                if not _is_plain_key(entity, attr.name, attr.source_column):
                    self.warnings.append(f"{spec.name}/{entity.source_table}.{attr.name}: a key of that name wins")
                continue
            taken.add(attr.name)
            triple = (attr.name, attr.source_column, *self.values.dispatch(attr.transform), attr.transform)
            if attr.source_table == entity.source_table and not (attr.denormalized and attr.join):
                own.append(triple)
                continue
            if attr.join is None:
                raise UnsupportedError(
                    f"{entity.source_table}.{attr.name} comes from {attr.source_table} without a join"
                )
            local, group = copies.setdefault(attr.source_table, (attr.join.local_column, []))
            if local != attr.join.local_column:
                raise UnsupportedError(
                    f"{entity.source_table} copies {attr.source_table} through two joins ({local}, "
                    f"{attr.join.local_column}): one parent row per table is supported",
                    table=entity.source_table,
                )
            group.append(triple)
            self.joins.setdefault(entity.source_table, {})[attr.source_table] = attr.join
        ttl = None
        if entity.ttl is not None:
            if entity.ttl.attribute in taken:
                self.warnings.append(f"{spec.name}/{entity.source_table}: TTL {entity.ttl.attribute} is taken")
            ttl = (entity.ttl.attribute, entity.ttl.source_column, entity.ttl.retention_days * _DAY)
        compiled = CompiledEntity(
            table=spec.name,
            unique_columns=entity.unique_columns if entity.kind == "lookup" else (),
            keys=keys,
            index_keys=index_keys,
            constants=constants,
            attributes=own,
            copies=[(parent, local, group) for parent, (local, group) in copies.items()],
            ttl=ttl,
            index_checks=[(name, kind, limit) for name, (kind, limit) in index_types.items()],
            fixed_bytes=None,
            open_names=[],
        )
        if self.bounded:
            _bound(compiled)
        return compiled


def _bound(entity: CompiledEntity) -> None:
    """Set the entity's fixed byte bound and the attributes the bound must count per row."""
    fixed = 0
    for name, _, limit, _ in entity.keys:
        fixed += text_size(name) + limit
    for name, _, limit, _, _ in entity.index_keys:
        fixed += text_size(name) + limit
    for name, text in entity.constants:
        fixed += text_size(name) + text_size(text)
    for name, _, _, _, transform in [*entity.attributes, *(s for _, _, group in entity.copies for s in group)]:
        most = MAX_VALUE_BYTES.get(transform)
        fixed += text_size(name) + (most or 0)
        if most is None:
            entity.open_names.append(name)
    if entity.ttl is not None:
        fixed += text_size(entity.ttl[0]) + NUMBER_MAX_BYTES
    entity.fixed_bytes = fixed


def _key_names(index: IndexSpec) -> set[str]:
    return {index.pk.attribute} | ({index.sk.attribute} if index.sk is not None else set())


def _is_plain_key(entity: EntityMapping, name: str, column: str) -> bool:
    parts = [entity.pk, entity.sk, *entity.index_keys]
    return any(p is not None and p.attribute == name and p.template == "{" + column + "}" for p in parts)
