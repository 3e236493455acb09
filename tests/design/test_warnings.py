"""The data-modeling method's five production warnings: raised exactly when their condition holds, with its numbers."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from sql2dynamo.design.model import (
    AccessPlan,
    DesignDecision,
    DesignWarning,
    PartitionLoad,
    TableSpec,
)
from sql2dynamo.design.sizing.items import ItemSize, Sizes
from sql2dynamo.design.warnings import production_warnings
from sql2dynamo.source.model import Schema
from tests.design.fixtures import attr, col, entity, gsi, kp, pattern, plan, schema, spec, step, table

# Copied from the data-modeling method's "Critical Production Warnings".
SEED_MESSAGES = {
    "gsi_throttling_cascade": (
        "Warning: GSI throttling will affect the entire base table. Consider dedicated capacity or alternative design."
    ),
    "hot_partition": (
        "Warning: This access pattern may create hot partitions. Consider partition key sharding strategy."
    ),
    "entity_boundary_violation": (
        "Warning: Mixing data from different services/teams. Consider operational ownership boundaries."
    ),
    "schema_evolution_trap": (
        "Warning: This denormalization will complicate future schema changes. Document migration strategy."
    ),
    "debugging_complexity": (
        "Warning: Composite keys and denormalized data will increase debugging difficulty. "
        "Ensure adequate logging/monitoring."
    ),
}

USERS = table("users", [col("id", "integer"), col("email")])
PROBLEMS = table("problems", [col("id", "integer"), col("user_id", "integer"), col("title")])
PROBLEMS_FK = table(
    "problems",
    [col("id", "integer"), col("user_id", "integer"), col("title")],
    fks=[("user_id", "users", "id")],
)
LOGS = table("logs", [col("id", "integer"), col("user_id", "integer")], fks=[("user_id", "users", "id")])

# a plain multi-table design: natural keys, no composite template, no overloading, no copies
USER = entity("users", kp("id", "{id}", "N"), [attr("email", "users")])
PROBLEM = entity("problems", kp("id", "{id}", "N"), [attr("title", "problems")])
PLAIN_USERS = spec("users", [USER], indexes=[gsi("by_email", kp("email", "{email}"))])
PLAIN_PROBLEMS = spec("problems", [PROBLEM])


def _warnings(
    tables: Sequence[TableSpec],
    *,
    partitions: Sequence[PartitionLoad] = (),
    source: Schema | None = None,
    plans: Sequence[AccessPlan] = (),
    decisions: Sequence[DesignDecision] = (),
    **kwargs: object,
) -> tuple[DesignWarning, ...]:
    return production_warnings(
        tables,
        plans,
        partitions,
        decisions,
        source if source is not None else schema(USERS, PROBLEMS),
        **kwargs,  # type: ignore[arg-type]
    )


def _kinds(warnings: Sequence[DesignWarning]) -> list[str]:
    return [w.kind for w in warnings]


def _load(index: str | None, *, rcu: float = 0.0, wcu: float = 0.0, hot: bool = False) -> PartitionLoad:
    return PartitionLoad(
        table="users",
        index=index,
        key="email" if index else "id",
        pattern_ids=("AP1",),
        distinct_keys=2,
        skew=0.6667,
        rcu_per_partition=rcu,
        wcu_per_partition=wcu,
        hot=hot,
        sharding_plan="shard it" if hot else None,
    )


def test_plain_design_raises_nothing() -> None:
    assert _warnings([PLAIN_USERS, PLAIN_PROBLEMS], partitions=[_load(None, rcu=10), _load("by_email", wcu=10)]) == ()


# ---------------------------------------------------------------- 1. GSI throttling cascade


CASCADE_CASES = [
    # partitions, expected kinds, text in the condition, why
    (
        [_load("by_email", wcu=5000, hot=True)],
        ["gsi_throttling_cascade", "hot_partition"],
        "is hot",
        "hot GSI",
    ),
    (
        [_load("by_email", wcu=600)],
        ["gsi_throttling_cascade"],
        "600 WCU/s at peak, at least 50%",
        "half the limit",
    ),
    ([_load("by_email", wcu=499)], [], None, "below half the limit"),
    ([_load(None, wcu=5000, hot=True)], ["hot_partition"], None, "a hot base table is not a GSI cascade"),
]


@pytest.mark.parametrize(("partitions", "kinds", "text", "why"), CASCADE_CASES, ids=[c[3] for c in CASCADE_CASES])
def test_gsi_cascade(partitions: list[PartitionLoad], kinds: list[str], text: str | None, why: str) -> None:
    warnings = _warnings([PLAIN_USERS], partitions=partitions)
    assert _kinds(warnings) == kinds, why
    if text is not None:
        cascade = warnings[0]
        assert text in cascade.condition
        assert cascade.subject == "users/by_email"
        assert cascade.message == SEED_MESSAGES["gsi_throttling_cascade"]
        assert cascade.pattern_ids == ("AP1",)


def test_gsi_cascade_from_the_write_rate() -> None:
    sizes: Sizes = {("users", "users"): ItemSize(300, index_bytes={"by_email": 300})}
    put = plan("AP2", [step("PutItem", "users", item_entity="users")], kind="write")
    busy = _warnings([PLAIN_USERS], plans=[put], patterns=[pattern("AP2", 500, 1200)], sizes=sizes)
    assert _kinds(busy) == ["gsi_throttling_cascade"]
    assert "it receives 1,200 index writes/s at peak (threshold 1,000/s)" in busy[0].condition
    assert busy[0].pattern_ids == ("AP2",)
    calm = _warnings([PLAIN_USERS], plans=[put], patterns=[pattern("AP2", 500, 999)], sizes=sizes)
    assert calm == ()


# ---------------------------------------------------------------- 2. hot partitions


def test_hot_partition() -> None:
    (warning,) = _warnings([PLAIN_USERS], partitions=[_load(None, rcu=4500.5, hot=True), _load(None, rcu=10)])
    assert warning.kind == "hot_partition"
    assert warning.message == SEED_MESSAGES["hot_partition"]
    assert warning.subject == "users"
    assert warning.condition == (
        "users, partition key id: the busiest partition takes 4,500.5 RCU/s and 0 WCU/s at peak"
        " (limits 3,000 RCU / 1,000 WCU per partition): 2 key values, the busiest taking 66.7% of the traffic"
    )


# ---------------------------------------------------------------- 3. entity boundaries


def _single(*entities: object) -> TableSpec:
    return spec("main", list(entities))  # type: ignore[arg-type]


MAIN_USER = entity("users", kp("id", "{id}", "N"))
MAIN_PROBLEM = entity("problems", kp("id", "{id}", "N"))
MAIN_LOG = entity("logs", kp("id", "{id}", "N"))


def test_unrelated_entities_in_one_table() -> None:
    reading = plan("AP3", [step("GetItem", "main")])
    warnings = _warnings([_single(MAIN_USER, MAIN_PROBLEM)], plans=[reading])
    boundary = [w for w in warnings if w.kind == "entity_boundary_violation"]
    assert len(boundary) == 1
    assert boundary[0].message == SEED_MESSAGES["entity_boundary_violation"]
    assert boundary[0].condition == (
        "table main stores 2 entities from 2 source tables in 2 groups with no foreign-key path between them"
        " among the tables stored together: users | problems"
    )
    assert boundary[0].pattern_ids == ("AP3",)


def test_related_entities_in_one_table() -> None:
    warnings = _warnings([_single(MAIN_USER, MAIN_PROBLEM)], source=schema(USERS, PROBLEMS_FK))
    assert "entity_boundary_violation" not in _kinds(warnings)


def test_related_only_through_a_table_stored_elsewhere() -> None:
    # problems -> users <- logs, but users lives in another table
    warnings = _warnings([_single(MAIN_PROBLEM, MAIN_LOG)], source=schema(USERS, PROBLEMS_FK, LOGS))
    assert "entity_boundary_violation" in _kinds(warnings)


def _copying(source_table: str) -> TableSpec:
    copy = attr("owner_email", source_table, "email", denormalized=True, join=("user_id", "id"))
    return spec("problems", [entity("problems", kp("id", "{id}", "N"), [copy])])


def test_denormalized_copy_across_a_boundary() -> None:
    warnings = _warnings([_copying("users")])  # no foreign key from problems to users
    boundary = [w for w in warnings if w.kind == "entity_boundary_violation"]
    assert [w.subject for w in boundary] == ["problems.owner_email"]
    assert boundary[0].condition == (
        "attribute owner_email of problems items in table problems copies users.email"
        " (join problems.user_id = users.id), and no foreign key links problems and users"
    )
    linked = _warnings([_copying("users")], source=schema(USERS, PROBLEMS_FK))
    assert "entity_boundary_violation" not in _kinds(linked)


# ---------------------------------------------------------------- 4. schema evolution


def test_schema_evolution_trap() -> None:
    decision = DesignDecision(
        "DENORMALIZATION",
        "problems.owner_email",
        ("separate items",),
        "copy",
        "read together",
        (),
        "stop",
        (),
        pattern_ids=("AP7",),
    )
    warnings = _warnings([_copying("users")], source=schema(USERS, PROBLEMS_FK), decisions=[decision])
    (trap,) = [w for w in warnings if w.kind == "schema_evolution_trap"]
    assert trap.message == SEED_MESSAGES["schema_evolution_trap"]
    assert trap.subject == "problems/problems"
    assert trap.condition == (
        "problems items in table problems carry 1 denormalized attribute (owner_email <- users.email):"
        " renaming, retyping or re-deriving a column of users means rewriting every such item"
    )
    assert trap.pattern_ids == ("AP7",)
    assert "schema_evolution_trap" not in _kinds(_warnings([PLAIN_PROBLEMS]))


# ---------------------------------------------------------------- 5. debugging complexity

DEBUG_CASES = [
    # tables, text in the condition, why
    (
        [spec("users", [entity("users", kp("PK", "USER#{id}"))])],
        "1 composite key template (PK = USER#{id})",
        "prefix",
    ),
    (
        [spec("t", [entity("t", kp("k", "{a}#{b}"))])],
        "1 composite key template (k = {a}#{b})",
        "two fields",
    ),
    (
        [
            spec(
                "main",
                [entity("users", kp("id", "{id}", "N")), entity("problems", kp("id", "{id}", "N"))],
            )
        ],
        "1 overloaded key (table key id (2 entity types: users, problems))",
        "overloaded table key",
    ),
    (
        [
            spec(
                "main",
                [
                    entity("users", kp("id", "{id}", "N"), index_keys=[kp("GSI1PK", "{email}")]),
                    entity("orgs", kp("org", "{org}"), index_keys=[kp("GSI1PK", "{name}")]),
                ],
                indexes=[gsi("GSI1", kp("GSI1PK", "{email}"))],
            )
        ],
        "index GSI1 (2 entity types: users, orgs)",
        "overloaded GSI",
    ),
    ([_copying("users")], "1 denormalized attribute (problems.owner_email)", "denormalized"),
]


@pytest.mark.parametrize(("tables", "text", "why"), DEBUG_CASES, ids=[c[2] for c in DEBUG_CASES])
def test_debugging_complexity(tables: list[TableSpec], text: str, why: str) -> None:
    (warning,) = [w for w in _warnings(tables) if w.kind == "debugging_complexity"]
    assert warning.message == SEED_MESSAGES["debugging_complexity"]
    assert text in warning.condition, why


def test_constant_keys_are_not_composite() -> None:
    # A constant sort key (METADATA) or index key (PUBLIC) reads as itself: no debugging warning.
    tables = [
        spec(
            "main",
            [entity("users", kp("id", "{id}", "N"), sk=kp("SK", "METADATA"), index_keys=[kp("GSI1PK", "PUBLIC")])],
            indexes=[gsi("GSI1", kp("GSI1PK", "PUBLIC"))],
        )
    ]
    assert [w for w in _warnings(tables) if w.kind == "debugging_complexity"] == []


# ---------------------------------------------------------------- all five, in order


def test_all_five_in_the_seed_order() -> None:
    main = spec(
        "main",
        [
            entity("users", kp("PK", "USER#{id}"), [attr("email", "users")]),
            entity("problems", kp("PK", "PROBLEM#{id}"), [attr("owner", "logs", "id", denormalized=True)]),
        ],
        indexes=[gsi("by_email", kp("email", "{email}"))],
    )
    hot = PartitionLoad("main", "by_email", "email", ("AP1",), 2, 0.6667, 0, 5000, True, "shard")
    warnings = _warnings([main], partitions=[hot])
    assert _kinds(warnings) == [
        "gsi_throttling_cascade",
        "hot_partition",
        "entity_boundary_violation",
        "entity_boundary_violation",
        "schema_evolution_trap",
        "debugging_complexity",
    ]
    assert all(w.message == SEED_MESSAGES[w.kind] for w in warnings)
    assert warnings == _warnings([main], partitions=[hot])  # deterministic
