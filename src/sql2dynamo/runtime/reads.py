"""Read plans: GetItem, Query (paged, counted, limited), BatchGetItem, chained through the rows found.

Each step runs once per row the previous step found (the first step once,
with the parameters alone); a step's ``{column}`` fields take the values of
that row.  The plan's last Query is the paged one: its LastEvaluatedKey goes
into the cursor, earlier steps run again for every page (they are GetItems,
one item each).  When a chain passes from one source table to another (a
customer, then their support representative), the rows of the earlier
entity ride along as ``"<table>.<column>"`` columns, as a SQL join would
give them; lookup items (unique-value claims) do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sql2dynamo.design.model import PlanStep
from sql2dynamo.runtime.calls import PlanCall, plain_key
from sql2dynamo.runtime.cursor import CursorState, decode_cursor
from sql2dynamo.runtime.entities import EntityCodec, Item, Row, TableCodecs
from sql2dynamo.runtime.errors import InvalidRequest, Throttled
from sql2dynamo.runtime.render import MissingValue, NullKey, bound_step, expression_names, render_key

BATCH_GET_MAX = 100
COUNT_COLUMN = "count"


@dataclass
class Found:
    """A row found by a step, the entity it came from, and the joined columns of earlier entities."""

    row: Row
    codec: EntityCodec | None
    joined: dict[str, Any] = field(default_factory=dict)
    table: str | None = None  # the DynamoDB table the item came from
    key: Item | None = None  # its table key as stored (a keys-only index gives little else)

    def carry(self) -> dict[str, Any]:
        """The joined columns a row found from this one inherits."""
        out = dict(self.joined)
        if self.codec is not None and not self.codec.is_lookup:
            table = self.codec.source_table
            out.update({f"{table}.{c}": v for c, v in self.row.items() if "." not in c})
        return out

    def fields(self) -> dict[str, Any]:
        """What a later step's ``{column}`` fields read: the row, and the earlier entities' columns it carries.

        A join to a second parent takes its key from the first table's row (``{products.seller_id}``),
        which rides along as a carried column once a step has moved on to another table.
        """
        return {**self.carry(), **self.row}

    def output(self) -> dict[str, Any]:
        """The row as the caller sees it."""
        out = dict(self.row)
        own = self.codec.source_table if self.codec is not None else None
        for name, value in self.joined.items():
            if own is None or not name.startswith(own + "."):
                out.setdefault(name, value)
        return out


@dataclass
class ReadResult:
    """Rows of one page, and where the next one starts (None: no more)."""

    rows: list[dict[str, Any]]
    next_state: CursorState | None


class Reader(PlanCall):
    """Executes one read plan for one call (holds that call's meter; never shared between threads)."""

    # -------------------------------------------------------------- plan

    def run(self, page_size: int | None, cursor: str | None) -> ReadResult:
        """One page of the plan's rows."""
        if page_size is not None and page_size < 1:
            raise InvalidRequest(f"{self.pattern_id}: limit must be at least 1", pattern_id=self.pattern_id)
        state = decode_cursor(self.pattern_id, cursor) if cursor else CursorState(None, 0)
        paged = max((i for i, s in enumerate(self.plan.steps) if s.operation == "Query"), default=None)
        found: list[Found] = [Found({}, None)]
        next_state: CursorState | None = None
        for i, step in enumerate(self.plan.steps):
            if step.operation == "GetItem":
                found = self._get(step, found)
            elif step.operation == "BatchGetItem":
                found = self._batch_get(step, found)
            elif step.operation == "Query":
                if step.select == "COUNT":
                    return ReadResult([{COUNT_COLUMN: self._count(step, found)}], None)
                if i == paged:
                    found, next_state = self._paged_query(step, found, page_size, state)
                else:
                    found = [f for parent in found for f in self._query_all(step, parent)]
            else:
                raise InvalidRequest(
                    f"{self.pattern_id}: a read plan cannot run {step.operation}", pattern_id=self.pattern_id
                )
            if not found:
                return ReadResult([], None)
        if paged is None and cursor:
            return ReadResult([], None)  # a single-page plan has nothing after its first page
        return ReadResult([f.output() for f in found], next_state)

    # -------------------------------------------------------------- steps

    def _table(self, step: PlanStep) -> TableCodecs:
        try:
            return self.codecs[step.table]
        except KeyError:
            raise InvalidRequest(
                f"{self.pattern_id}: the plan names table {step.table}, which the model does not define",
                pattern_id=self.pattern_id,
            ) from None

    def _key(self, codecs: TableCodecs, step: PlanStep, parent: Found) -> Item | None:
        assert step.key is not None
        try:
            return render_key(codecs, step.key, self.params, parent.fields(), self.pattern_id)
        except NullKey:
            return None  # a NULL parameter or join column matches nothing, as in SQL
        except MissingValue:
            # Fetching the items a keys-only index found: their key is the one the index returned.
            names = codecs.key_attributes(None)
            if parent.table == step.table and parent.key is not None and set(step.key) == set(names):
                return dict(parent.key)
            raise

    def _get(self, step: PlanStep, parents: list[Found]) -> list[Found]:
        codecs = self._table(step)
        out: list[Found] = []
        for parent in parents:
            key = self._key(codecs, step, parent)
            if key is None:
                continue
            request: dict[str, Any] = {"TableName": step.table, "Key": key}
            if step.consistent_read:
                request["ConsistentRead"] = True
            response = self._call("GetItem", request, step.table, key)
            item = response.get("Item")
            if item is not None:
                out.append(self._found(codecs, item, None, parent))
        return out

    def _found(self, codecs: TableCodecs, item: Item, projected: frozenset[str] | None, parent: Found) -> Found:
        codec = codecs.entity_of(item)
        key = {a: item[a] for a in codecs.key_attributes(None) if a in item}
        return Found(codec.decode(item, projected), codec, parent.carry(), codecs.table.name, key)

    def _batch_get(self, step: PlanStep, parents: list[Found]) -> list[Found]:
        codecs = self._table(step)
        keys: list[tuple[Found, Item]] = []
        for parent in parents:
            key = self._key(codecs, step, parent)
            if key is not None:
                keys.append((parent, key))
        unique = list({_canon(k): k for _, k in keys}.values())
        items: dict[tuple[Any, ...], Item] = {}
        for start in range(0, len(unique), BATCH_GET_MAX):
            for item in self._batch_chunk(step, unique[start : start + BATCH_GET_MAX]):
                items[_canon({a: item[a] for a in codecs.key_attributes(None) if a in item})] = item
        out: list[Found] = []
        for parent, key in keys:
            match = items.get(_canon(key))
            if match is not None:
                out.append(self._found(codecs, match, None, parent))
        return out

    def _batch_chunk(self, step: PlanStep, keys: list[Item]) -> list[Item]:
        request_for: dict[str, Any] = {"Keys": keys}
        if step.consistent_read:
            request_for["ConsistentRead"] = True
        pending: dict[str, Any] = {step.table: request_for}
        out: list[Item] = []
        started = self.policy.clock()
        failures = 0
        while pending:
            response = self._call("BatchGetItem", {"RequestItems": pending}, step.table, None)
            out.extend(response.get("Responses", {}).get(step.table, []))
            pending = {t: r for t, r in (response.get("UnprocessedKeys") or {}).items() if r.get("Keys")}
            if not pending:
                break
            failures += 1
            if self.policy.exhausted(failures, started):
                left = [plain_key(k) for r in pending.values() for k in r["Keys"]]
                raise Throttled(
                    f"{self.pattern_id}: BatchGetItem on {step.table} left {len(left)} keys unprocessed "
                    f"after {failures} attempts",
                    hint="the table is over its capacity; retry later or raise its capacity",
                    table=step.table,
                    key=left[0] if left else None,
                    pattern_id=self.pattern_id,
                )
            self.policy.pause(failures - 1, started)
        return out

    def _query_request(self, step: PlanStep, parent: Found) -> dict[str, Any] | None:
        codecs = self._table(step)
        try:
            step, values = bound_step(codecs, step, self.params, parent.fields(), self.pattern_id)
        except NullKey:
            return None
        if _empty_range(values.get(":sk_lo"), values.get(":sk_hi")):
            return None  # SQL's BETWEEN with lo > hi holds for no row; DynamoDB would refuse the request
        request: dict[str, Any] = {
            "TableName": step.table,
            "KeyConditionExpression": step.key_condition,
            "ExpressionAttributeValues": values,
        }
        names = expression_names(step, step.key_condition, step.filter)
        if names:
            request["ExpressionAttributeNames"] = names
        if step.index:
            request["IndexName"] = step.index
        if step.filter:
            request["FilterExpression"] = step.filter
        if step.scan_forward is not None:
            request["ScanIndexForward"] = step.scan_forward
        if step.consistent_read and not step.index:
            request["ConsistentRead"] = True
        if step.select and step.select != "ALL_ATTRIBUTES":
            request["Select"] = step.select
        return request

    def _count(self, step: PlanStep, parents: list[Found]) -> int:
        total = 0
        for parent in parents:
            request = self._query_request(step, parent)
            if request is None:
                continue
            request["Select"] = "COUNT"
            while True:
                response = self._call("Query", request, step.table, None)
                total += int(response.get("Count", 0))
                last = response.get("LastEvaluatedKey")
                if not last:
                    break
                request["ExclusiveStartKey"] = last
        return total

    def _query_all(self, step: PlanStep, parent: Found) -> list[Found]:
        rows, _ = self._paged_query(step, [parent], None, CursorState(None, 0))
        return rows

    def _plan_limit(self, step: PlanStep) -> int | None:
        limit = step.limit
        if limit is None or isinstance(limit, int):
            return limit
        name = limit.lstrip(":")
        if name not in self.params:
            raise InvalidRequest(
                f"{self.pattern_id}: the plan's limit needs parameter :{name}", pattern_id=self.pattern_id
            )
        try:
            return int(self.params[name])
        except (TypeError, ValueError):
            raise InvalidRequest(
                f"{self.pattern_id}: limit :{name} = {self.params[name]!r} is not a whole number",
                pattern_id=self.pattern_id,
            ) from None

    def _paged_query(
        self, step: PlanStep, parents: list[Found], page_size: int | None, state: CursorState
    ) -> tuple[list[Found], CursorState | None]:
        if len(parents) != 1:
            raise InvalidRequest(
                f"{self.pattern_id}: a paged Query needs exactly one row from the step before it",
                pattern_id=self.pattern_id,
            )
        parent = parents[0]
        codecs = self._table(step)
        cap = self._plan_limit(step)
        remaining = None if cap is None else max(cap - state.returned, 0)
        wanted = min(x for x in (page_size, remaining, 1 << 62) if x is not None)
        if wanted == 0:
            return [], None
        request = self._query_request(step, parent)
        if request is None:
            return [], None
        if state.last_key is not None:
            request["ExclusiveStartKey"] = state.last_key
        projected = codecs.projection(step.index)
        key_names = codecs.key_attributes(step.index)
        found: list[Found] = []
        last: dict[str, Any] | None = None
        while True:
            if wanted < (1 << 62):
                request["Limit"] = wanted - len(found)
            response = self._call("Query", request, step.table, None)
            items = response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            need = wanted - len(found)
            if len(items) > need:
                items = items[:need]
                last = {a: items[-1][a] for a in key_names if a in items[-1]}
            found.extend(self._found(codecs, item, projected, parent) for item in items)
            if len(found) >= wanted or not last:
                break
            request["ExclusiveStartKey"] = last
        returned = state.returned + len(found)
        if not last or (cap is not None and returned >= cap):
            return found, None
        return found, CursorState(last, returned)


def _empty_range(lo: Mapping[str, Any] | None, hi: Mapping[str, Any] | None) -> bool:
    """Whether a sort-key BETWEEN's bounds are inverted (lo > hi), in DynamoDB's order of their type."""
    if lo is None or hi is None or lo.keys() != hi.keys():
        return False
    kind = next(iter(lo))
    if kind == "N":
        return Decimal(lo["N"]) > Decimal(hi["N"])
    if kind in ("S", "B"):
        return bool(lo[kind] > hi[kind])
    return False


def _canon(key: Mapping[str, Mapping[str, Any]]) -> tuple[Any, ...]:
    return tuple(sorted((name, *next(iter(av.items()))) for name, av in key.items()))


__all__ = ["COUNT_COLUMN", "ReadResult", "Reader"]
