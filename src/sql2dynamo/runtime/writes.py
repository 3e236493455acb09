"""Write plans: PutItem, UpdateItem, DeleteItem and the transactions that keep unique-value claims true.

* An INSERT's items are built from the inserted values by migrate's
  ItemBuilder (the table's entity mapping, or a lookup mapping for a claim),
  exactly as migrate builds them from rows; denormalized copies are read
  from the parent item first.
* An UPDATE's ``SET`` values come from the parameters, spelled as migrate
  spells the column; a NULL removes the attribute.  When a changed column
  feeds an index key, a sparse-index condition or the TTL, the item is read
  first and those attributes are rewritten (or removed) with it, so the
  item stays in exactly the indexes migrate would have put it in.
* Claims: an insert puts one lookup item per unique value (none for NULL);
  an update releases the old value and claims the new one (neither when the
  value did not change); a delete releases them.  A claim refused by its
  condition is a :class:`DuplicateValue` naming the columns and the value.
* Steps before the write (a GetItem on a lookup, a Query) find the items to
  write; a Query after it finds the items holding denormalized copies of the
  changed columns, and each is updated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sql2dynamo.common.errors import TargetError
from sql2dynamo.design.model import AccessPlan, PlanStep
from sql2dynamo.items.related import related_of
from sql2dynamo.runtime.actions import (
    TRANSACT,
    Action,
    condition_values,
    entity_key,
    key_of,
    same_key,
    update_request,
)
from sql2dynamo.runtime.calls import Cancelled, PlanCall, plain_key
from sql2dynamo.runtime.entities import EntityCodec, Item, Row, TableCodecs
from sql2dynamo.runtime.errors import ConditionFailed, DuplicateValue, InvalidRequest, ItemNotFound
from sql2dynamo.runtime.reads import Found, Reader
from sql2dynamo.runtime.render import NullKey, expression_names, render, render_key
from sql2dynamo.runtime.types import decode_value
from sql2dynamo.target.retry import RetryPolicy

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_SET = re.compile(r"(#\w+)\s*=\s*(:\w+)")
_CLAIMS = re.compile(r"claims the value of ([\w, ]+)")
_EXISTS = re.compile(r"attribute_exists\(#\w+\)(?: AND |$)")


class Writer(PlanCall):
    """Executes one write plan for one call (holds that call's meter; never shared between threads)."""

    def __init__(
        self,
        client: DynamoDBClient,
        codecs: Mapping[str, TableCodecs],
        policy: RetryPolicy,
        plan: AccessPlan,
        params: Mapping[str, Any],
    ) -> None:
        super().__init__(client, codecs, policy, plan, params)
        self.reader = Reader(client, codecs, policy, plan, params)
        self.reader.meter = self.meter
        # Per written item: (codec, row before, row after) for the steps after the write.
        self.changes: list[tuple[EntityCodec, Row, Row, set[str]]] = []

    def run(self) -> None:
        """Apply the plan."""
        found: list[Found] = [Found({}, None)]
        written = False
        queried = False  # the items were found by a Query: a refused condition skips that item
        for step in self.plan.steps:
            op = step.operation
            if op == "GetItem":
                try:
                    found = self._get_existing(step, found)
                except ItemNotFound:
                    if self._deletes_only():
                        return  # DELETE of a row that is not there: nothing to do, as in SQL
                    raise
            elif op == "Query" and not written:
                found = [f for parent in found for f in self.reader._query_all(step, parent)]
                queried = True
            elif op == "Query":
                self._update_copies(step)
            elif op in ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"):
                for parent in found:
                    before = len(self.changes)
                    try:
                        self._execute(self._actions(step, parent))
                    except (ConditionFailed, ItemNotFound) as exc:
                        # An index is read eventually consistently: an item whose WHERE no longer holds
                        # (or that is gone) is one of the 0 rows the SQL would not change either.
                        if not queried or isinstance(exc, DuplicateValue):
                            raise
                        del self.changes[before:]  # nothing changed: no copies to refresh
                written = True
            else:
                raise InvalidRequest(f"{self.pattern_id}: a write plan cannot run {op}", pattern_id=self.pattern_id)

    def _deletes_only(self) -> bool:
        writes = [
            inner
            for step in self.plan.steps
            for inner in (step.items if step.operation == "TransactWriteItems" else (step,))
            if inner.operation in ("PutItem", "UpdateItem", "DeleteItem")
        ]
        return bool(writes) and all(w.operation == "DeleteItem" for w in writes)

    # -------------------------------------------------------------- finding

    def _table(self, name: str) -> TableCodecs:
        try:
            return self.codecs[name]
        except KeyError:
            raise InvalidRequest(
                f"{self.pattern_id}: the plan names table {name}, which the model does not define",
                pattern_id=self.pattern_id,
            ) from None

    def _get_existing(self, step: PlanStep, parents: list[Found]) -> list[Found]:
        codecs = self._table(step.table)
        out: list[Found] = []
        for parent in parents:
            assert step.key is not None
            try:
                key = render_key(codecs, step.key, self.params, parent.row, self.pattern_id)
            except NullKey as exc:
                raise ItemNotFound(exc.message, table=step.table, pattern_id=self.pattern_id) from None
            request: dict[str, Any] = {"TableName": step.table, "Key": key, "ConsistentRead": True}
            item = self._call("GetItem", request, step.table, key).get("Item")
            if item is None:
                raise ItemNotFound(
                    f"{self.pattern_id}: no item in {step.table} with key {plain_key(key)}",
                    table=step.table,
                    key=plain_key(key),
                    pattern_id=self.pattern_id,
                )
            codec = codecs.entity_of(item)
            row = codec.decode(item)
            if not codec.is_lookup and parent.codec is not None and parent.codec.is_lookup:
                row = {**parent.row, **row}
            out.append(Found(row, codec))
        return out

    # -------------------------------------------------------------- building

    def _actions(self, step: PlanStep, parent: Found) -> list[Action]:
        steps = step.items if step.operation == "TransactWriteItems" else (step,)
        actions: list[Action] = []
        released: dict[int, tuple[EntityCodec, Item]] = {}
        old = parent.row if parent.codec is not None and not parent.codec.is_lookup else {}
        new = dict(old)
        entity_claims: dict[tuple[str, str], int] = {}
        for i, sub in enumerate(steps):
            codecs = self._table(sub.table)
            if sub.operation == "UpdateItem":
                action, new = self._update(codecs, sub, parent, old)
                actions.append(action)
            elif sub.operation == "DeleteItem":
                release = self._delete(codecs, sub, parent, old, actions)
                if release is not None:
                    released[i] = release
            elif sub.operation == "PutItem":
                codec = self._put_codec(codecs, sub, steps, i, released, entity_claims)
                row = new if (old and codec.is_lookup) else self._insert_row(codec)
                related = self._related(codec, row)
                item = codec.build(row, related)
                if item is None:
                    continue  # a NULL unique value claims nothing
                before = released.get(i - 1)
                if before is not None and before[0] is codec and same_key(codecs, item, before[1]):
                    actions = [a for a in actions if not (a.role == "release" and a.request["Key"] == before[1])]
                    continue  # the unique value did not change: keep its claim
                request = {"TableName": sub.table, "Item": item}
                if sub.condition:
                    request["ConditionExpression"] = sub.condition
                    names = expression_names(sub, sub.condition)
                    if names:
                        request["ExpressionAttributeNames"] = names
                actions.append(Action("PutItem", request, "claim" if codec.is_lookup else "put", codec, row))
            else:
                raise InvalidRequest(
                    f"{self.pattern_id}: a transaction cannot hold {sub.operation}", pattern_id=self.pattern_id
                )
        return actions

    def _put_codec(
        self,
        codecs: TableCodecs,
        step: PlanStep,
        steps: tuple[PlanStep, ...],
        index: int,
        released: Mapping[int, tuple[EntityCodec, Item]],
        taken: dict[tuple[str, str], int],
    ) -> EntityCodec:
        entity = step.item_entity
        if entity is None:
            raise InvalidRequest(f"{self.pattern_id}: a PutItem step names no item_entity", pattern_id=self.pattern_id)
        options = codecs.entities(entity)
        if not options:
            raise InvalidRequest(
                f"{self.pattern_id}: table {step.table} maps no entity of {entity}", pattern_id=self.pattern_id
            )
        before = released.get(index - 1)
        if before is not None:
            return before[0]  # the claim of the new value follows the release of the old one
        m = _CLAIMS.search(step.note or "")
        if m is not None:
            columns = tuple(c.strip() for c in m.group(1).split(","))
            match = next((c for c in options if c.is_lookup and c.mapping.unique_columns == columns), None)
            if match is not None:
                return match
        # Else in order: the entity item first, then the lookups of the same table and entity.
        n = taken.get((step.table, entity), 0)
        taken[(step.table, entity)] = n + 1
        return options[min(n, len(options) - 1)]

    def _insert_row(self, codec: EntityCodec) -> Row:
        row = {c: self.params.get(c) for c in codec.columns}
        for part in codec.key_parts():
            for column in part.columns:
                row.setdefault(column, self.params.get(column))
        return row

    def _related(self, codec: EntityCodec, row: Row) -> dict[str, Row | None] | None:
        return related_of(row, codec.builder.joins(codec.source_table), self._parent_row)

    def _parent_row(self, source_table: str, column: str, value: Any) -> Row | None:
        for codecs in self.codecs.values():
            for codec in codecs.entities(source_table):
                m = codec.mapping
                if codec.is_lookup or m.pk.columns != (column,):
                    continue
                if m.sk is not None and m.sk.columns not in ((), (column,)):
                    continue
                key = entity_key(codec, {column: value})
                request = {"TableName": codecs.table.name, "Key": key, "ConsistentRead": True}
                item = self._call("GetItem", request, codecs.table.name, key).get("Item")
                return None if item is None else codec.decode(item)
        raise InvalidRequest(
            f"{self.pattern_id}: the item copies columns of {source_table}, whose items cannot be found by {column}",
            pattern_id=self.pattern_id,
        )

    def _update(self, codecs: TableCodecs, step: PlanStep, parent: Found, old: Row) -> tuple[Action, Row]:
        assert step.key is not None and step.update is not None
        key = self._key(codecs, step, parent, old)
        codec = self._codec_of_key(codecs, key)
        by_attribute = {name: column for name, column, _ in codec.own}
        sets: dict[str, dict[str, Any]] = {}
        changed: dict[str, Any] = {}
        for name_ph, value_ph in _SET.findall(step.update):
            attribute = step.names.get(name_ph, name_ph.lstrip("#"))
            template = step.values.get(value_ph)
            if template is None:
                raise InvalidRequest(
                    f"{self.pattern_id}: SET uses {value_ph} without a value", pattern_id=self.pattern_id
                )
            column = by_attribute.get(attribute, attribute)
            convert = codec.column_converter(column)
            converters = {f: convert for f in re.findall(r"\{:?([^{}:]+)", template)}
            av = render(
                template,
                self.params,
                row=parent.row,
                kind=codecs.attribute_type(attribute),
                converters=converters,
                pattern_id=self.pattern_id,
            )
            sets[attribute] = av
            transform = codec.columns.get(column, "")
            changed[column] = None if "NULL" in av else decode_value(transform, av)
        if not old and self._needs_item(codec, set(changed)):
            found = self._call(
                "GetItem", {"TableName": codecs.table.name, "Key": key, "ConsistentRead": True}, codecs.table.name, key
            ).get("Item")
            if found is None:
                raise ItemNotFound(
                    f"{self.pattern_id}: no item in {codecs.table.name} with key {plain_key(key)}",
                    table=codecs.table.name,
                    key=plain_key(key),
                    pattern_id=self.pattern_id,
                )
            old = codec.decode(found)
        new = {**old, **changed}
        if old and self._needs_item(codec, set(changed)):
            item = codec.build(new, {p: None for p in codec.builder.joins(codec.source_table)}) or {}
            for attribute in self._derived_attributes(codec):
                sets[attribute] = item.get(attribute, {"NULL": True})
        where = self._where(step)
        step, values = self._condition_values(codecs, step, parent, key)
        request = update_request(codecs.table.name, key, sets, step, values)
        self.changes.append((codec, old, new, set(changed)))
        return Action("UpdateItem", request, "update", codec, new, where=where), new

    def _delete(
        self, codecs: TableCodecs, step: PlanStep, parent: Found, old: Row, actions: list[Action]
    ) -> tuple[EntityCodec, Item] | None:
        assert step.key is not None
        try:
            key = self._key(codecs, step, parent, old)
        except NullKey:
            return None  # a NULL unique value has no claim to release
        codec = self._codec_of_key(codecs, key)
        request: dict[str, Any] = {"TableName": step.table, "Key": key}
        where = self._where(step)
        if step.condition:
            step, values = self._condition_values(codecs, step, parent, key)
            assert step.condition is not None
            request["ConditionExpression"] = step.condition
            names = expression_names(step, step.condition)
            if names:
                request["ExpressionAttributeNames"] = names
            if values:
                request["ExpressionAttributeValues"] = values
        role = "release" if codec.is_lookup else "delete"
        actions.append(Action("DeleteItem", request, role, codec, old, where=where))
        return (codec, key) if codec.is_lookup else None

    def _condition_values(
        self, codecs: TableCodecs, step: PlanStep, parent: Found, key: Item
    ) -> tuple[PlanStep, dict[str, Any]]:
        try:
            return condition_values(codecs, step, self.params, parent.row, self.pattern_id)
        except NullKey:
            # A NULL the condition cannot do without holds for no row: the SQL changes nothing, nor may the write.
            raise ConditionFailed(
                f"{self.pattern_id}: a condition of the WHERE compares with NULL, which no row satisfies; "
                "nothing was written (0 rows)",
                table=step.table,
                key=plain_key(key),
                pattern_id=self.pattern_id,
            ) from None

    @staticmethod
    def _where(step: PlanStep) -> str | None:
        """The step's condition beyond the item's existence (the rest of the SQL's WHERE), if any.

        The design writes an UpdateItem's condition as ``attribute_exists(#key)`` followed by the
        rest of the WHERE, and a DeleteItem's as the rest of the WHERE alone.
        """
        condition = step.condition or ""
        if step.operation == "UpdateItem":
            exists = _EXISTS.match(condition)
            condition = condition[exists.end() :] if exists else condition
        return condition or None

    def _key(self, codecs: TableCodecs, step: PlanStep, parent: Found, old: Row) -> Item:
        assert step.key is not None
        row = {**parent.row, **{f"old.{c}": v for c, v in old.items()}}
        return render_key(codecs, step.key, self.params, row, self.pattern_id)

    def _codec_of_key(self, codecs: TableCodecs, key: Item) -> EntityCodec:
        return codecs.entity_of(key)

    @staticmethod
    def _derived_attributes(codec: EntityCodec) -> list[str]:
        names = [p.attribute for p in codec.mapping.index_keys]
        if codec.mapping.ttl is not None:
            names.append(codec.mapping.ttl.attribute)
        return names

    def _needs_item(self, codec: EntityCodec, columns: set[str]) -> bool:
        m = codec.mapping
        used = {c for p in m.index_keys for c in p.columns}
        used |= {s.column for s in m.sparse_keys.values()}
        if m.ttl is not None:
            used.add(m.ttl.source_column)
        keys = set(m.pk.columns) | (set(m.sk.columns) if m.sk else set())
        if columns & keys:
            raise InvalidRequest(
                f"{self.pattern_id}: changing a key column ({', '.join(sorted(columns & keys))}) would move the item",
                hint="write it as a delete and an insert",
                pattern_id=self.pattern_id,
            )
        return bool(columns & used)

    # -------------------------------------------------------------- copies

    def _update_copies(self, step: PlanStep) -> None:
        for codec, _old, new, changed in self.changes:
            if codec.is_lookup:
                continue
            for holder in self.reader._query_all(step, Found(new, codec)):
                target = holder.codec
                if target is None:
                    continue
                copies = [
                    (name, col.split(".", 1)[1], transform)
                    for name, col, transform in target.copies
                    if col.split(".", 1)[0] == codec.source_table and col.split(".", 1)[1] in changed
                ]
                if not copies:
                    continue
                self._rewrite_copies(target, holder.key or entity_key(target, holder.row), holder.row, copies, new)

    def _rewrite_copies(
        self, target: EntityCodec, key: Item, row: Row, copies: list[tuple[str, str, str]], new: Row
    ) -> None:
        table = target.table.name
        sets: dict[str, dict[str, Any]] = {}
        for name, column, transform in copies:
            av = target.converter(transform)(new[column]) if new.get(column) is not None else None
            sets[name] = av if av is not None else {"NULL": True}
        request = update_request(table, key, sets, None)
        self._execute([Action("UpdateItem", request, "copy", target, row)])

    # -------------------------------------------------------------- executing

    def _execute(self, actions: list[Action]) -> None:
        if not actions:
            return
        if len(actions) == 1:
            action = actions[0]
            request = action.request
            try:
                self._call(action.operation, request, request["TableName"], request.get("Key") or key_of(action))
            except ConditionFailed as exc:
                raise self._refusal(action, exc) from exc
            return
        transact = [{TRANSACT[a.operation]: a.request} for a in actions]
        try:
            self._call("TransactWriteItems", {"TransactItems": transact}, actions[0].request["TableName"], None)
        except Cancelled as exc:
            for reason, action in zip(exc.reasons, actions, strict=False):
                if reason == "ConditionalCheckFailed":
                    raise self._refusal(action, exc) from exc
            raise

    def _refusal(self, action: Action, exc: ConditionFailed) -> TargetError:
        table = action.request["TableName"]
        key = plain_key(action.request.get("Key") or key_of(action))
        if action.role in ("claim", "put"):
            m = action.codec.mapping
            columns = (
                m.unique_columns
                if action.role == "claim"
                else tuple(dict.fromkeys(m.pk.columns + (m.sk.columns if m.sk else ())))
            )
            value = tuple(action.row.get(c) for c in columns)
            shown = value[0] if len(value) == 1 else value
            what = "the unique value" if action.role == "claim" else "the primary key"
            return DuplicateValue(
                f"{self.pattern_id}: {what} {', '.join(columns)} = {shown!r} is already taken "
                f"({action.codec.source_table})",
                value=shown,
                columns=columns,
                table=table,
                key=key,
                pattern_id=self.pattern_id,
            )
        if action.where is not None:
            return ConditionFailed(
                f"{self.pattern_id}: {action.operation} on {table} refused by its condition ({action.where}): "
                f"no item with key {key} satisfies the SQL's WHERE; nothing was written (0 rows)",
                table=table,
                key=key,
                pattern_id=self.pattern_id,
            )
        if action.role == "update":
            return ItemNotFound(
                f"{self.pattern_id}: no item in {table} with key {key} to update",
                table=table,
                key=key,
                pattern_id=self.pattern_id,
            )
        return ConditionFailed(
            f"{self.pattern_id}: {action.operation} on {table} refused by its condition (key {key})",
            table=table,
            key=key,
            pattern_id=self.pattern_id,
        )


__all__ = ["Writer"]
