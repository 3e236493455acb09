"""INSERT ... ON CONFLICT / ON DUPLICATE KEY UPDATE: why a conditional PutItem cannot serve it.

An upsert inserts a row, or, when the row's key (or a unique value) is
taken, updates the row already there (``quantity = quantity + VALUES(quantity)``)
or does nothing.  Planned as a conditional insert, its second call fails where
SQL adds to the quantity: that plan is wrong, so an upsert gets its own
decision here, and today the decision is a refusal naming what would serve it.
An UpdateItem (SET with ``if_not_exists``, ADD for ``col = col + value``)
is the DynamoDB form; the runtime does not execute that yet, and when the
conflict is on a unique value kept in a lookup table, the item to update is
only known after reading the lookup, which one request cannot do.
"""

from __future__ import annotations

from collections.abc import Sequence

from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.model import AccessPlan, TableSpec
from sql2dynamo.design.plans import unsupported_plan

__all__ = ["upsert_plan"]


def upsert_plan(rp: ResolvedPattern, table: TableSpec, lookups: Sequence[TableSpec]) -> AccessPlan:
    """The plan of an upsert: refused, with the reason and the form that would serve it."""
    shape = rp.shape
    assert shape is not None
    source = table.entities[0].source_table
    on_conflict = (
        "does nothing"
        if shape.upsert_action == "nothing"
        else "sets " + ", ".join(f"{b.column} = {b.value}" for b in shape.upsert_set)
    )
    claimed = [
        lk for lk in lookups if not shape.upsert_keys or set(lk.entities[0].unique_columns) <= set(shape.upsert_keys)
    ]
    if claimed:
        columns = ", ".join(claimed[0].entities[0].unique_columns)
        reason = (
            f"an upsert that, when ({columns}) is taken, {on_conflict}: ({columns}) is unique in {source} and kept "
            f"in the lookup table {claimed[0].name}, so the item to update is known only after reading the lookup; "
            "one DynamoDB request cannot read and then write, and a conditional PutItem would fail on the second "
            "call instead of updating"
        )
        alternative = (
            f"make ({columns}) the key of the {source} items, so that one UpdateItem (ADD for col = col + value, "
            f"SET if_not_exists for the inserted columns) serves the upsert; or, in the application, read the lookup "
            f"by ({columns}) and run an UPDATE pattern on the row found, else the INSERT pattern"
        )
    else:
        reason = (
            f"an upsert that {on_conflict} when the row exists: a conditional PutItem would fail on the second call "
            "instead of updating, and the runtime does not execute the UpdateItem (ADD / SET if_not_exists) "
            "that would serve it"
        )
        alternative = (
            "split it into an UPDATE pattern by key (its 0 rows changed tells a missing row) followed by the INSERT "
            "pattern when nothing was updated"
        )
    return unsupported_plan(rp, reason, alternative)
