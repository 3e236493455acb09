"""Source rows -> DynamoDB items, exactly as the DataModel says; rows DynamoDB cannot hold become rejects.

:class:`ItemBuilder` compiles the model once (per entity: key renderers, the
``(attribute, column, converter)`` list, sparse conditions, TTL) so that
:meth:`ItemBuilder.items_for` is a tight loop per row.  For one row it gives
the entity item in every table whose entities map the row's table, plus one
lookup item per unique mapping whose unique columns are all non-NULL.

Item layout, in order (a later attribute never overwrites an earlier one,
as in :mod:`sql2dynamo.design.sizing`): table keys, index keys (a sparse
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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sql2dynamo.design.keys import DDB_TYPES
from sql2dynamo.design.model import DataModel, EntityMapping, IndexSpec, Join, SparseCondition, TableSpec
from sql2dynamo.design.sizing import ITEM_SIZE_LIMIT, ITEM_TYPE_ATTRIBUTE, NUMBER_MAX_BYTES
from sql2dynamo.errors import UnsupportedError
from sql2dynamo.migrate.templates import EmptyKey, KeyRenderer, compile_key
from sql2dynamo.migrate.values import (
    AttributeValue,
    Converter,
    ValueConverter,
    ValueRejected,
    ValueRule,
    epoch_seconds,
    infer,
)

PARTITION_KEY_MAX_BYTES = 2048
SORT_KEY_MAX_BYTES = 1024
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
Item = dict[str, AttributeValue]
Row = Mapping[str, Any]
_DAY = 86400


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


# ------------------------------------------------------------------ item size by DynamoDB's rules


def _text_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _number_size(text: str) -> int:
    digits = text.upper().partition("E")[0].lstrip("+-").replace(".", "").strip("0")
    return min((len(digits) + 1) // 2 + 1, NUMBER_MAX_BYTES) if digits else 2


def value_size(av: AttributeValue) -> int:
    """Bytes of one low-level attribute value by DynamoDB's rules (see :mod:`sql2dynamo.design.sizing`)."""
    for kind, payload in av.items():
        if kind == "S":
            return _text_size(payload)
        if kind == "N":
            return _number_size(payload)
        if kind == "B":
            return len(payload)
        if kind == "M":
            return 3 + sum(1 + _text_size(k) + value_size(v) for k, v in payload.items())
        if kind == "L":
            return 3 + sum(1 + value_size(v) for v in payload)
        if kind == "SS":
            return sum(_text_size(s) for s in payload)
        if kind == "NS":
            return sum(_number_size(n) for n in payload)
        if kind == "BS":
            return sum(len(b) for b in payload)
        return 1  # BOOL, NULL
    raise ValueError("an attribute value needs a type")


def item_size(item: Mapping[str, AttributeValue]) -> int:
    """Bytes of a low-level item: every attribute's name plus its value."""
    return sum(_text_size(name) + value_size(av) for name, av in item.items())


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


# ------------------------------------------------------------------ compiled entities

# attribute name, column, converter per value class, how to resolve an unseen class, transform
_Spec = tuple[str, str, dict[type, Converter], Callable[[type], Converter], str]


@dataclass
class _Entity:
    table: str
    unique_columns: tuple[str, ...]
    keys: list[tuple[str, KeyRenderer, int, str]]  # attribute, renderer, byte limit, type
    index_keys: list[tuple[str, KeyRenderer, int, str, Callable[[Row], bool] | None]]  # ... sparse condition
    constants: list[tuple[str, str]]
    attributes: list[_Spec]
    copies: list[tuple[str, str, list[_Spec]]]  # parent table, local column, attributes from the parent row
    ttl: tuple[str, str, int] | None  # attribute, column, seconds to add
    index_checks: list[tuple[str, str, int]]  # attributes serving as index keys: name, declared type, byte limit
    # An upper bound of the item's bytes without its open-ended attributes (None: always size exactly).
    fixed_bytes: int | None
    open_names: list[str]  # attributes whose size the bound counts per row


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

        ``value_rules`` go in front of :data:`~sql2dynamo.migrate.values.DEFAULT_RULES`;
        ``primary_keys`` (source table -> columns) names the values a
        :class:`Reject` reports, by default the columns of the entity's key
        templates.  Model inconsistencies that do not stop the build (an
        attribute typed unlike its transform) are listed in ``warnings``.
        """
        self.model = model
        self.values = ValueConverter(value_rules)
        self.custom_rules = bool(value_rules)
        self.item_type_attribute = item_type_attribute
        self.warnings: list[str] = []
        self._columns = self._column_converters(model)
        self._entities: dict[str, list[_Entity]] = {}
        self._joins: dict[str, dict[str, Join]] = {}
        for spec in model.tables:
            for entity in spec.entities:
                self._entities.setdefault(entity.source_table, []).append(self._compile(spec, entity))
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

    def _build(self, entity: _Entity, row: Row, related: Mapping[str, Row | None] | None) -> Item:
        item: Item = {}
        for name, render, limit, kind in entity.keys:
            av = render(row)
            if kind != "N" and (kind == "B" or 4 * len(av["S"]) > limit):  # N keys hold 21 bytes at most
                _check_key_size(name, av, limit)
            item[name] = av
        for name, render, limit, kind, condition in entity.index_keys:
            if condition is not None and not condition(row):
                continue
            try:
                av = render(row)
            except EmptyKey:
                continue  # a NULL or empty field: the item is not in this index, as SQL's NULL matches nothing
            if kind != "N" and (kind == "B" or 4 * len(av["S"]) > limit):
                _check_key_size(name, av, limit)
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
                _check_key_size(name, present, limit)
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

    # -------------------------------------------------------------- compiling

    def _column_converters(self, model: DataModel) -> dict[str, dict[str, Converter]]:
        out: dict[str, dict[str, Converter]] = {}
        for spec in model.tables:
            for entity in spec.entities:
                for attr in entity.attributes:
                    if not attr.denormalized:
                        columns = out.setdefault(attr.source_table, {})
                        columns.setdefault(attr.source_column, self.values.converter(attr.transform))
        return out

    def _compile(self, spec: TableSpec, entity: EntityMapping) -> _Entity:
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
        own: list[_Spec] = []
        copies: dict[str, tuple[str, list[_Spec]]] = {}
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
            self._joins.setdefault(entity.source_table, {})[attr.source_table] = attr.join
        ttl = None
        if entity.ttl is not None:
            if entity.ttl.attribute in taken:
                self.warnings.append(f"{spec.name}/{entity.source_table}: TTL {entity.ttl.attribute} is taken")
            ttl = (entity.ttl.attribute, entity.ttl.source_column, entity.ttl.retention_days * _DAY)
        compiled = _Entity(
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
        if not self.custom_rules:  # a user rule may write anything: then only the exact size is safe
            _bound(compiled)
        return compiled

    def _default_key(self, source_table: str) -> tuple[str, ...]:
        entities = self.model_entities(source_table)
        chosen = next((e for e in entities if e.kind == "entity"), entities[0])
        cols = chosen.pk.columns + (chosen.sk.columns if chosen.sk else ())
        return tuple(dict.fromkeys(cols)) or chosen.unique_columns

    def model_entities(self, source_table: str) -> list[EntityMapping]:
        """The model's mappings of ``source_table``, in model order."""
        return [e for t in self.model.tables for e in t.entities if e.source_table == source_table]


def _bound(entity: _Entity) -> None:
    """Set the entity's fixed byte bound and the attributes the bound must count per row."""
    fixed = 0
    for name, _, limit, _ in entity.keys:
        fixed += _text_size(name) + limit
    for name, _, limit, _, _ in entity.index_keys:
        fixed += _text_size(name) + limit
    for name, text in entity.constants:
        fixed += _text_size(name) + _text_size(text)
    for name, _, _, _, transform in [*entity.attributes, *(s for _, _, group in entity.copies for s in group)]:
        most = MAX_VALUE_BYTES.get(transform)
        fixed += _text_size(name) + (most or 0)
        if most is None:
            entity.open_names.append(name)
    if entity.ttl is not None:
        fixed += _text_size(entity.ttl[0]) + NUMBER_MAX_BYTES
    entity.fixed_bytes = fixed


def _copy(item: Item, specs: list[_Spec], row: Row) -> None:
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


def _check_key_size(name: str, av: AttributeValue, limit: int) -> None:
    payload = av.get("S")
    if payload is None:
        payload = av.get("B")
    if payload is not None and 4 * len(payload) > limit:
        size = _text_size(payload) if isinstance(payload, str) else len(payload)
        if size > limit:
            raise ValueRejected(f"key {name} is {size} bytes, over DynamoDB's {limit} for this key")


def _key_names(index: IndexSpec) -> set[str]:
    return {index.pk.attribute} | ({index.sk.attribute} if index.sk is not None else set())


def _is_plain_key(entity: EntityMapping, name: str, column: str) -> bool:
    parts = [entity.pk, entity.sk, *entity.index_keys]
    return any(p is not None and p.attribute == name and p.template == "{" + column + "}" for p in parts)
