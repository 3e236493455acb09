"""Busiest-partition loads, key cardinality, skew, and sharding plans for hot keys."""

from __future__ import annotations

import math

import pytest

from sql2dynamo.design.hotspots import (
    busiest_key_share,
    covers_unique_key,
    harmonic,
    key_distinct,
    partition_loads,
    shard_count,
)
from sql2dynamo.design.model import PartitionLoad, SparseCondition
from sql2dynamo.design.sizing.items import ItemSize, Sizes
from tests.design.fixtures import attr, col, entity, gsi, kp, pattern, plan, schema, spec, stats, step, table

SHARE_CASES = [
    (1, 1.0, "one key takes everything"),
    (2, 2 / 3, "a boolean: 1 / (1 + 1/2)"),
    (10, 1 / 2.9289682539682538, "1 / H(10)"),
    (None, 0.10, "unknown: 10 %"),
]


@pytest.mark.parametrize(("distinct", "share", "why"), SHARE_CASES, ids=[c[2] for c in SHARE_CASES])
def test_busiest_key_share(distinct: int | None, share: float, why: str) -> None:
    assert busiest_key_share(distinct) == pytest.approx(share), why


def test_harmonic_expansion_matches_the_sum() -> None:
    exact = math.fsum(1.0 / k for k in range(1, 20_001))
    assert harmonic(20_000) == pytest.approx(exact, abs=1e-12)
    assert harmonic(1_000_000) == pytest.approx(14.392726722865772, abs=1e-9)


@pytest.mark.parametrize(
    ("rcu", "wcu", "n"),
    [(0, 1001, 2), (0, 5000, 7), (0, 1600, 2), (0, 1601, 3), (7300, 0, 4), (2401, 900, 2)],
)
def test_shard_count(rcu: float, wcu: float, n: int) -> None:
    # each shard stays under 80 % of 3,000 RCU / 1,000 WCU
    assert shard_count(rcu, wcu) == n


PROBLEMS = table(
    "problems",
    [
        col("id", "integer", st=stats(4.0, distinct=10_000)),
        col("title", "string", st=stats(40.0, distinct=9_000)),
        col("is_completed", "boolean", st=stats(1.0, distinct=2)),
        col("user_id", "integer", st=stats(3.0, distinct=100)),
        col("created_at", "datetime", st=stats(26.0, distinct=10_000)),
    ],
    rows=10_000,
)


KEY_CASES = [
    # template, pinned, distinct, why
    ("{id}", {}, 10_000, "the primary key"),
    ("{is_completed}", {}, 2, "a boolean"),
    ("PUBLIC", {}, 1, "a literal"),
    ("{is_completed}", {"is_completed": "true"}, 1, "pinned by a sparse condition"),
    ("{user_id}#{is_completed}", {}, 200, "a product of fields"),
    ("USER#{user_id}#{created_at:date}", {}, 100, "today's bucket only"),
    ("{created_at:date}", {}, 1, "a date bucket alone: one live key"),
    ("{title}#{id}", {}, 10_000, "capped at the row count"),
    ("{missing}", {}, None, "unknown column"),
]


@pytest.mark.parametrize(("template", "pinned", "distinct", "why"), KEY_CASES, ids=[c[3] for c in KEY_CASES])
def test_key_distinct(template: str, pinned: dict[str, str | None], distinct: int | None, why: str) -> None:
    assert key_distinct(kp("k", template), PROBLEMS, pinned=pinned) == distinct, why


def test_key_distinct_without_statistics() -> None:
    plain = table(
        "t",
        [col("id", "integer"), col("flag", "boolean"), col("kind", "enum", enum_values=("a", "b", "c"))],
        rows=None,
    )
    assert key_distinct(kp("k", "{flag}"), plain) == 2
    assert key_distinct(kp("k", "{kind}"), plain) == 3
    assert key_distinct(kp("k", "{id}"), plain) is None  # unique, but no row count


def test_covers_unique_key() -> None:
    assert covers_unique_key(kp("k", "P#{id}"), PROBLEMS)
    assert not covers_unique_key(kp("k", "{user_id}"), PROBLEMS)
    assert not covers_unique_key(kp("k", "{id}"), None)


# problems: 800-byte items (1 WCU); GSI by_completed keyed on the boolean is_completed, ALL projection
PROBLEM = entity(
    "problems",
    kp("id", "{id}", "N"),
    [attr("title", "problems")],
    index_keys=[kp("completed", "{is_completed}")],
)
BY_COMPLETED = gsi("by_completed", kp("completed", "{is_completed}"))
PROBLEMS_TABLE = spec("problems", [PROBLEM], indexes=[BY_COMPLETED])
SIZES: Sizes = {("problems", "problems"): ItemSize(800, index_bytes={"by_completed": 800})}
WRITE = plan("W", [step("PutItem", "problems", item_entity="problems")], kind="write")
READ = plan("R", [step("Query", "problems", index="by_completed")], expected_items=50)


def _loads(peak_writes: float) -> dict[str | None, PartitionLoad]:
    loads = partition_loads(
        [PROBLEMS_TABLE],
        [WRITE, READ],
        [pattern("W", peak_writes / 2, peak_writes), pattern("R", 50, 100)],
        schema(PROBLEMS),
        sizes=SIZES,
    )
    return {load.index: load for load in loads}


def test_boolean_keyed_index_at_high_rps_is_hot_with_a_sharding_plan() -> None:
    loads = _loads(7500)
    index = loads["by_completed"]
    # writes: 7,500/s x 1 WCU on the index; the busiest of 2 key values takes 1 / H(2) = 2/3 -> 5,000 WCU/s
    # reads: 50 items x 800 B = 40,000 B -> 10 units, eventual 5 RCU x 100/s x 2/3 = 333.333 RCU/s
    assert (index.key, index.distinct_keys, index.skew) == ("completed", 2, 0.6667)
    assert (index.wcu_per_partition, index.rcu_per_partition) == (5000.0, 333.333)
    assert index.hot
    assert index.pattern_ids == ("R", "W")
    # N = ceil(5,000 / (80 % x 1,000)) = ceil(6.25) = 7
    assert index.sharding_plan is not None
    assert "N = 7 suffixes #0..#6" in index.sharding_plan
    assert "`{is_completed}#<s>`" in index.sharding_plan
    assert "scatter-gather" in index.sharding_plan
    assert "714.286 WCU/s per shard" in index.sharding_plan
    # the base table: each PutItem creates a new id, so no existing key gets busier
    base = loads[None]
    assert (base.key, base.wcu_per_partition, base.hot, base.sharding_plan) == ("id", 0.0, False, None)


def test_same_index_at_low_rps_is_not_hot() -> None:
    index = _loads(600)["by_completed"]
    assert index.wcu_per_partition == 400.0
    assert not index.hot
    assert index.sharding_plan is None


def test_order_follows_the_tables_then_their_indexes() -> None:
    loads = partition_loads(
        [PROBLEMS_TABLE],
        [READ, WRITE],
        [pattern("W", 1, 1), pattern("R", 1, 1)],
        schema(PROBLEMS),
        sizes=SIZES,
    )
    assert [(x.table, x.index) for x in loads] == [("problems", None), ("problems", "by_completed")]


def test_sparse_index_on_a_literal_key() -> None:
    public = entity(
        "problems",
        kp("id", "{id}", "N"),
        index_keys=[kp("GSI1PK", "PUBLIC")],
        sparse_keys={"GSI1PK": SparseCondition("is_completed", "true", "completed only")},
    )
    feed = gsi("public_feed", kp("GSI1PK", "PUBLIC"), projection="KEYS_ONLY")
    table_spec = spec("problems", [public], indexes=[feed])
    sizes: Sizes = {
        ("problems", "problems"): ItemSize(800, index_bytes={"public_feed": 40}, index_share={"public_feed": 0.5})
    }
    loads = partition_loads(
        [table_spec],
        [plan("W", [step("PutItem", "problems", item_entity="problems")])],
        [pattern("W", 1000, 3000)],
        schema(PROBLEMS),
        sizes=sizes,
    )
    index = loads[1]
    # every item in one partition: 3,000 puts/s x half of them public x 1 WCU = 1,500 WCU/s
    assert (index.distinct_keys, index.skew, index.wcu_per_partition, index.hot) == (1, 1.0, 1500.0, True)
    assert index.sharding_plan is not None and "N = 2 suffixes #0..#1" in index.sharding_plan


def test_hot_single_item_reads_get_read_replicas() -> None:
    settings = table("settings", [col("name", "string", st=stats(8.0, distinct=1))], ("name",), rows=1)
    setting = entity("settings", kp("name", "{name}"))
    table_spec = spec("settings", [setting])
    loads = partition_loads(
        [table_spec],
        [plan("G", [step("GetItem", "settings")])],
        [pattern("G", 5000, 10_000)],
        schema(settings),
        sizes={("settings", "settings"): 200},
    )
    (load,) = loads
    # 10,000/s x 0.5 RCU on the only key: 5,000 RCU/s; N = ceil(5,000 / 2,400) = 3
    assert (load.rcu_per_partition, load.hot) == (5000.0, True)
    assert load.sharding_plan is not None
    assert "Read-replicate" in load.sharding_plan and "N = 3 copies" in load.sharding_plan


def test_batch_get_counts_one_item_per_key_and_scans_are_left_out() -> None:
    loads = partition_loads(
        [PROBLEMS_TABLE],
        [
            plan("B", [step("BatchGetItem", "problems")], expected_items=10),
            plan("S", [step("Scan", "problems")], expected_items=10_000),
        ],
        [pattern("B", 100, 1000), pattern("S", 1, 1)],
        schema(PROBLEMS),
        sizes=SIZES,
    )
    (load,) = loads
    # 1,000/s x 0.5 RCU per item (not the 5 RCU of the batch) x 1 / H(10,000)
    assert load.pattern_ids == ("B",)
    assert load.rcu_per_partition == round(500 / harmonic(10_000), 3)


def test_unknown_cardinality_assumes_ten_percent() -> None:
    loads = partition_loads([PROBLEMS_TABLE], [READ], [pattern("R", 100, 1000)], None, sizes=SIZES)
    index = loads[0]
    # no schema: 5 RCU x 1,000/s x 10 %
    assert (index.distinct_keys, index.skew, index.rcu_per_partition) == (None, 0.1, 500.0)
