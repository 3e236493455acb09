"""Base keys: which attributes identify an item, chosen from the patterns' dominant lookup.

Candidates for a table's base key are its primary key (composite keys become
partition + sort key, ordered by how the patterns look them up) and, for each
foreign key, "the parent's key + the row's own key" (an item collection per
parent, ordered by the column its children are read in).  Each candidate is
scored by the request rate it serves without an index; the primary key wins
ties, so rows map 1:1 to items unless the evidence says otherwise.

A third candidate comes first when the primary key is a surrogate nothing
uses (no pattern reads, updates or deletes by it, no foreign key refers to
it): the busiest read's own columns, its date range leading the sort key and
the primary key after it (:func:`_surrogate_key`).  The read is then served
by the base table -- strongly when it asks -- and no index is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sql2dynamo.design.access import Access
from sql2dynamo.design.inputs import ResolvedPattern
from sql2dynamo.design.model import DesignDecision, KeyPart, ScalarType
from sql2dynamo.source.model import Table

FIXED_FORMAT_TYPES = ("date", "datetime", "datetime_tz")  # one text format each: they sort as text

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


def _access_key(
    table: Table, accesses: Sequence[Access], updated: set[str]
) -> tuple[Access, tuple[str, ...], str | None] | None:
    """The read that could key the table instead of its primary key: (access, partition columns, sort column).

    The busiest supported read that fixes non-null columns by parameters (no IN list, no literal
    flag: those need a GetItem per value or a sparse index) and ranges or orders on at most one
    date or date-time column (a leading field of a composite sort key compares as text: only
    fixed-format values sort right), none of them a column an UPDATE sets (a key cannot change).
    """
    fits = []
    for a in accesses:
        if a.unsupported or not a.eq or a.in_list or a.flags or a.joins or a.pattern.rps_avg <= 0:
            continue
        eq = tuple(c.name for c in table.columns if c.name in a.eq)
        if any(table.column(c).nullable for c in eq) or set(eq) <= set(table.primary_key) or set(eq) & updated:
            continue
        if any(set(u.columns) <= set(eq) for u in table.unique_constraints):
            continue  # a unique value: its lookup item finds the row (a natural key would be the better answer)
        sort = a.order[0] if a.order else (a.ranges[0] if a.ranges else None)
        if sort is not None and (
            sort in eq
            or sort in updated
            or table.column(sort).nullable
            or table.column(sort).normalized_type not in FIXED_FORMAT_TYPES
            or len(set(a.ranges)) > 1
        ):
            continue
        fits.append((a, eq, sort))
    return max(fits, key=lambda f: f[0].pattern.rps_avg, default=None)


def _surrogate_key(
    table: Table, accesses: Sequence[Access], writes: Sequence[ResolvedPattern], referenced: bool
) -> BaseKey | None:
    """Key the table where its reads are when nothing addresses a row by its primary key.

    A surrogate key no pattern reads, updates or deletes by, and no foreign key refers to, makes
    every read an index read and every write a base write plus an index write.  Keying the items
    by the busiest read's columns (its range or order column leading the sort key, the primary key
    after it so items stay unique) serves that read from the base table -- strongly consistent when
    asked, which an index never is -- and drops the index and its write.
    """
    if referenced or _score_pk(table, tuple(table.primary_key), accesses, writes) > 0:
        return None
    if any(set(table.primary_key[:1]) <= set(a.eq) for a in accesses if not a.unsupported):
        return None
    updated = {
        c.split(".")[-1] for w in writes if w.shape and w.shape.operation == "update" for c in w.shape.set_columns
    }
    found = _access_key(table, accesses, updated)
    if found is None:
        return None
    a, eq, sort = found
    if any(set(fk.columns) == set(eq) for fk in table.foreign_keys):
        return None  # the foreign-key candidate (an item collection per parent) covers it
    own = tuple(table.primary_key)
    sk_cols = ((sort,) if sort else ()) + own
    pk = key_part(table, "_".join(eq), eq)
    sk = key_part(table, "_".join(sk_cols), sk_cols)
    other = [x.pattern.id for x in accesses if x is not a and not x.unsupported]
    rps = a.pattern.rps_avg
    write_rps = sum(w.rps_avg for w in writes if w.shape and w.shape.operation == "insert")
    decision = DesignDecision(
        decision_type="KEY_DESIGN",
        subject=table.name,
        alternatives_considered=(
            f"the source primary key ({', '.join(own)}) as partition key, {a.pattern.id} through a global "
            f"secondary index: {write_rps:g} inserts/s x (1 base + 1 index) write units, and the index reads "
            "eventually consistently only",
        ),
        chosen_approach=f"partition key {pk.template}, sort key {sk.template}: the items of one "
        f"{', '.join(eq)} together, {a.pattern.id} reads them with one Query on the base table",
        justification=f"no pattern reads, updates or deletes a row by {', '.join(own)} and no foreign key refers "
        f"to it, so the primary key serves 0 rps; {a.pattern.id} ({rps:g} rps) fixes {', '.join(eq)}"
        + (f" and reads a range of {sort}" if sort else "")
        + f"; without the index each insert writes 1 item instead of 2 ({write_rps:g} write units/s saved)"
        + (f"; {a.pattern.id} asked for strong reads, which only the base table gives" if a.pattern.strong else "")
        + f"; {', '.join(own)} stays in the sort key so items stay unique",
        trade_offs=(
            f"a lookup by {', '.join(own)} alone would need a global secondary index",
            *((f"other reads ({', '.join(other)}) still need their own index",) if other else ()),
        ),
        rollback_strategy="re-create the table keyed by the primary key, add the index, and backfill again",
        monitoring_requirements=(
            "ConsumedReadCapacityUnits and ThrottledRequests per table",
            f"item collection size per {', '.join(eq)}",
        ),
        pattern_ids=(a.pattern.id,),
    )
    return BaseKey(pk, sk, None, decision)


def choose_base_key(
    table: Table,
    accesses: Sequence[Access],
    writes: Sequence[ResolvedPattern],
    *,
    attribute_names: bool = True,
    referenced: bool = True,
) -> BaseKey:
    """The base key of ``table`` in a multi-table design (natural attribute names).

    ``referenced`` says whether a foreign key refers to the table (its rows are then found by their
    primary key, whatever the patterns say).
    """
    surrogate = _surrogate_key(table, accesses, writes, referenced)
    if surrogate is not None:
        return surrogate
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
        # The data-modeling method's framework: group children under their parent only when they are read together
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
