"""Base keys: which attributes identify an item, chosen from the patterns' dominant lookup.

Candidates for a table's base key are its primary key (composite keys become
partition + sort key, ordered by how the patterns look them up) and, for each
foreign key, "the parent's key + the row's own key" (an item collection per
parent, ordered by the column its children are read in).  Each candidate is
scored by the request rate it serves without an index; the primary key wins
ties, so rows map 1:1 to items unless the evidence says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sql2dynamo.design.access import Access
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.model import DesignDecision, KeyPart, ScalarType
from sql2dynamo.source.model import Table

DDB_TYPES = {
    "integer": "N",
    "decimal": "N",
    "float": "N",
    "boolean": "BOOL",
    "string": "S",
    "uuid": "S",
    "enum": "S",
    "date": "S",
    "datetime": "S",
    "datetime_tz": "S",
    "time": "S",
    "interval": "S",
    "json": "M",
    "binary": "B",
    "set": "SS",
    "array": "L",
}


def key_type(table: Table, column: str) -> ScalarType:
    """The key attribute type of a column: N for numbers, B for bytes, S for everything else."""
    t = DDB_TYPES.get(table.column(column).normalized_type, "S")
    return t if t in ("N", "B") else "S"  # type: ignore[return-value]


def field(column: str) -> str:
    """A template field for one column."""
    return "{" + column + "}"


def key_part(table: Table, attribute: str, columns: Sequence[str], *, prefix: str = "", suffix: str = "") -> KeyPart:
    """A key attribute built from ``columns`` (one column keeps its type; several join with '#')."""
    cols = tuple(columns)
    template = prefix + "#".join(field(c) for c in cols) + suffix
    if len(cols) == 1 and not prefix and not suffix:
        return KeyPart(attribute, key_type(table, cols[0]), template, cols)
    return KeyPart(attribute, "S", template, cols)


@dataclass(frozen=True)
class BaseKey:
    """The chosen base key of one table, with the decision that explains it."""

    pk: KeyPart
    sk: KeyPart | None
    parent_fk: tuple[str, ...] | None  # set when items are grouped per parent (item collection)
    decision: DesignDecision


def _score_pk(
    table: Table, pk_cols: tuple[str, ...], accesses: Sequence[Access], writes: Sequence[ResolvedPattern]
) -> float:
    score = 0.0
    for a in accesses:
        if not a.unsupported and set(pk_cols[:1]) <= set(a.eq):
            score += a.pattern.rps_avg
    for w in writes:
        shape = w.shape
        if shape and shape.operation in ("update", "delete"):
            cols = {b.column.split(".")[-1] for b in shape.bindings if b.op in ("=", "in")}
            if set(pk_cols) <= cols:
                score += w.rps_avg
    return score


def choose_base_key(
    table: Table,
    accesses: Sequence[Access],
    writes: Sequence[ResolvedPattern],
    *,
    attribute_names: bool = True,
) -> BaseKey:
    """The base key of ``table`` in a multi-table design (natural attribute names)."""
    pk_cols = _ordered_pk(table, accesses)
    best_score = _score_pk(table, pk_cols, accesses, writes)
    best: tuple[tuple[str, ...], tuple[str, ...], str | None] | None = None
    alternatives: list[str] = []
    for fk in table.foreign_keys:
        if set(fk.columns) & set(table.primary_key) or any(table.column(c).nullable for c in fk.columns):
            continue
        served = [a for a in accesses if not a.unsupported and set(a.eq) == set(fk.columns)]
        score = sum(a.pattern.rps_avg for a in served)
        order = next((a.order[0] for a in served if a.order), None)
        alternatives.append(
            f"partition by {', '.join(fk.columns)} (items of one {fk.referred_table} together): "
            f"serves {score:g} rps of reads without an index"
        )
        total = sum(a.pattern.rps_avg for a in accesses if not a.unsupported)
        # Seed 002's framework: group children under their parent only when they are read together
        # (read correlation > 0.7) and the group's growth is bounded (known fan-out).
        correlated = total > 0 and score / total > 0.7
        bounded = fk.fanout is not None or table.stats is None
        if score > best_score and correlated and bounded:
            best_score, best = score, (tuple(fk.columns), pk_cols, order)
    pk_desc = ", ".join(pk_cols)
    monitoring = ("ConsumedReadCapacityUnits and ThrottledRequests per table",)
    if best is None:
        sk = (
            key_part(table, pk_cols[1], pk_cols[1:])
            if len(pk_cols) == 2
            else (key_part(table, "_".join(pk_cols[1:]), pk_cols[1:]) if len(pk_cols) > 2 else None)
        )
        decision = DesignDecision(
            decision_type="KEY_DESIGN",
            subject=table.name,
            alternatives_considered=tuple(alternatives) or ("no other candidate: no foreign key groups the rows",),
            chosen_approach=f"the source primary key ({pk_desc}) as "
            + ("partition key" if len(pk_cols) == 1 else "partition + sort key"),
            justification=(
                "each row keeps its identity as one item; "
                f"it serves {best_score:g} rps of key lookups and key-addressed writes directly"
                + (f"; {pk_cols[0]} leads because the patterns look the rows up by it" if len(pk_cols) > 1 else "")
            ),
            trade_offs=("reads by other attributes need a global secondary index",),
            rollback_strategy="re-create the table with another key and backfill it again (migrate is idempotent)",
            monitoring_requirements=monitoring,
        )
        return BaseKey(key_part(table, pk_cols[0], pk_cols[:1]), sk, None, decision)
    fk_cols, own, order = best
    sk_cols = ((order,) if order and order not in own else ()) + own
    pk = key_part(table, "_".join(fk_cols), fk_cols)
    sk_name = "_".join(sk_cols)
    sk = key_part(table, sk_name, sk_cols)
    decision = DesignDecision(
        decision_type="KEY_DESIGN",
        subject=table.name,
        alternatives_considered=(f"the source primary key ({pk_desc}) as partition key", *alternatives),
        chosen_approach=f"partition key {pk.attribute}, sort key {sk.template}: the rows of one parent form an "
        "item collection, read with one Query",
        justification=f"the dominant lookup fixes {', '.join(fk_cols)} ({best_score:g} rps); the sort key keeps "
        f"{'the read order and ' if order else ''}the row's own key, so items stay unique",
        trade_offs=(f"a lookup by {pk_desc} alone needs a global secondary index",),
        rollback_strategy="re-create the table keyed by the primary key and backfill again",
        monitoring_requirements=(*monitoring, "item collection size of the largest parents"),
    )
    return BaseKey(pk, sk, fk_cols, decision)


def _ordered_pk(table: Table, accesses: Sequence[Access]) -> tuple[str, ...]:
    """The primary key columns, the one the patterns fix most often first."""
    cols = list(table.primary_key)
    if len(cols) < 2:
        return tuple(cols)

    def weight(col: str) -> float:
        return sum(a.pattern.rps_avg for a in accesses if col in a.eq and not a.unsupported)

    first = max(cols, key=lambda c: (weight(c), -cols.index(c)))
    return (first, *[c for c in cols if c != first])
