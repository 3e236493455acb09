"""Issue 15's rules as tables: where a surrogate-keyed table's base key goes, and what an index projects.

Each row is one case of a rule with the outcome the rule's reason predicts; the
engine rows build a small schema and run the whole routing, table and plan
passes, so a rule that stops firing (or fires where it must not) fails here.
"""

from __future__ import annotations

import pytest

from sql2dynamo.design.engine.build import DesignOptions, build_model
from sql2dynamo.design.inputs import resolve_patterns
from sql2dynamo.design.model import DataModel
from sql2dynamo.design.projections import IndexRead, IndexWrite, choose_projection
from sql2dynamo.source.model import Column, ForeignKey, Schema, SourceInfo, Table, UniqueConstraint
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile, Rps

COUNT_TODAY = "SELECT COUNT(*) FROM logs WHERE user_id = :u AND action = :a AND created_at >= :day"
LOG_INSERT = "INSERT INTO logs (user_id, action, note, created_at) VALUES (:u, :a, :n, :now)"


def _design(
    sqls: list[tuple[str, float, str]], *, referenced: bool = False, strategy: str = "multi-table"
) -> DataModel:
    logs = Table(
        "logs",
        (
            Column("id", "integer", "integer", False),
            Column("user_id", "integer", "integer", False),
            Column("action", "text", "string", False),
            Column("note", "text", "string", True),
            Column("created_at", "timestamp", "datetime", False),
        ),
        ("id",),
    )
    tables = [logs]
    if referenced:
        tables.append(
            Table(
                "replies",
                (Column("id", "integer", "integer", False), Column("log_id", "integer", "integer", False)),
                ("id",),
                foreign_keys=(ForeignKey(None, ("log_id",), "logs", ("id",)),),
            )
        )
    schema = Schema(SourceInfo("postgresql", None, "app"), tuple(tables))
    patterns = PatternsFile(
        "app",
        tuple(
            AccessPattern(f"AP{n:02d}", sql, sql, Rps(rps, 3 * rps), consistency)
            for n, (sql, rps, consistency) in enumerate(sqls, start=1)
        ),
    )
    return build_model(schema, patterns, resolve_patterns(schema, patterns), DesignOptions(strategy=strategy))  # type: ignore[arg-type]


# (case, patterns, referenced, expected base key templates of logs, AP01 served by the base table)
SURROGATE_KEY_RULES = [
    (
        "nothing reads by id: keyed where the busiest read is, its date range leading the sort key",
        [(COUNT_TODAY, 100.0, "strong"), (LOG_INSERT, 50.0, "strong")],
        False,
        ("{user_id}#{action}", "{created_at}#{id}"),
        True,
    ),
    (
        "a read by id: the primary key serves it, it stays the key",
        [(COUNT_TODAY, 100.0, "strong"), ("SELECT * FROM logs WHERE id = :id", 1.0, "eventual")],
        False,
        ("{id}", None),
        False,
    ),
    (
        "an update by id addresses rows by the primary key",
        [(COUNT_TODAY, 100.0, "strong"), ("UPDATE logs SET note = :n WHERE id = :id", 1.0, "strong")],
        False,
        ("{id}", None),
        False,
    ),
    (
        "a foreign key refers to the table: rows are found by their primary key",
        [(COUNT_TODAY, 100.0, "strong")],
        True,
        ("{id}", None),
        False,
    ),
    (
        "an update sets a column of the candidate key: a key cannot change, keep the primary key",
        [(COUNT_TODAY, 100.0, "strong"), ("UPDATE logs SET action = :a WHERE user_id = :u", 1.0, "strong")],
        False,
        ("{id}", None),
        False,
    ),
    (
        "a range on a free-text column would not sort right inside a composite key",
        [("SELECT * FROM logs WHERE user_id = :u AND note >= :n", 10.0, "eventual")],
        False,
        ("{id}", None),
        False,
    ),
]


@pytest.mark.parametrize(
    ("patterns", "referenced", "keys", "on_base"),
    [row[1:] for row in SURROGATE_KEY_RULES],
    ids=[row[0] for row in SURROGATE_KEY_RULES],
)
def test_surrogate_key_rules(
    patterns: list[tuple[str, float, str]], referenced: bool, keys: tuple[str, str | None], on_base: bool
) -> None:
    model = _design(patterns, referenced=referenced)
    logs = model.table("logs")
    assert (logs.pk.template, logs.sk.template if logs.sk else None) == keys
    (step,) = model.plan("AP01").steps
    assert (step.index is None) is on_base
    decision = next(d for d in model.decisions if d.decision_type == "KEY_DESIGN" and d.subject == "logs")
    assert ("so the primary key serves 0 rps" in decision.justification) is on_base


def test_re_keyed_table_reads_strongly_and_writes_no_index_in_both_strategies() -> None:
    for strategy in ("multi-table", "single-table"):
        model = _design([(COUNT_TODAY, 100.0, "strong"), (LOG_INSERT, 50.0, "strong")], strategy=strategy)
        (count,) = model.plan("AP01").steps
        assert count.consistent_read and count.index is None
        assert count.key_condition is not None and count.key_condition.endswith(">= :sk")
        assert count.values[":sk"].endswith("{:day}")  # the bound is the leading field of the sort key
        assert count.item_entity == "logs"  # capacity sizes log items, not the table's largest entity
        assert not model.table(count.table).indexes


# (case, reads, writes, share, item bytes, expected projection, expected words in the reason)
_PAGE = IndexRead("R", 10.0, 20.0, False, False, None)
PROJECTION_RULES = [
    (
        "counting reads need keys only",
        [IndexRead("R", 10.0, 50.0, True, True, None)],
        [],
        1.0,
        400.0,
        "KEYS_ONLY",
        "only counts",
    ),
    (
        "reads that name their columns get exactly those",
        [IndexRead("R", 10.0, 20.0, False, False, ("note",))],
        [],
        1.0,
        400.0,
        "INCLUDE",
        "read only note",
    ),
    (
        "frequent updates of other attributes and a small page: fetching is cheaper than rewriting the copy",
        [IndexRead("R", 1.0, 4.5, False, False, None)],
        [IndexWrite("W", "update", 30.0, frozenset({"note"}))],
        1.0,
        400.0,
        "KEYS_ONLY",
        "KEYS_ONLY is cheaper",
    ),
    (
        "the same updates on half the items against a 20-item page read 13 times a second: ALL",
        [IndexRead("R", 13.3, 20.0, False, False, None)],
        [IndexWrite("W", "update", 28.9, frozenset({"note"}))],
        0.5,
        450.0,
        "ALL",
        "ALL is cheaper",
    ),
    (
        "inserts only: both write one unit per item under 1 KB, ALL saves the fetch",
        [_PAGE],
        [IndexWrite("W", "insert", 100.0, None)],
        1.0,
        400.0,
        "ALL",
        "ALL is cheaper",
    ),
    (
        "a 3 KB item: ALL writes 3 units per insert where keys write 1",
        [IndexRead("R", 0.1, 1.0, False, False, None)],
        [IndexWrite("W", "insert", 10.0, None)],
        1.0,
        3000.0,
        "KEYS_ONLY",
        "KEYS_ONLY is cheaper",
    ),
    (
        "an update of the index key costs both the same (delete + put): ALL saves the fetch",
        [_PAGE],
        [IndexWrite("W", "update", 30.0, frozenset({"k"}))],
        1.0,
        400.0,
        "ALL",
        "ALL is cheaper",
    ),
]


@pytest.mark.parametrize(
    ("reads", "writes", "share", "item_bytes", "kind", "words"),
    [row[1:] for row in PROJECTION_RULES],
    ids=[row[0] for row in PROJECTION_RULES],
)
def test_projection_rules(
    reads: list[IndexRead], writes: list[IndexWrite], share: float, item_bytes: float, kind: str, words: str
) -> None:
    chosen = choose_projection(
        ["id", "k", "note", "created_at"], frozenset({"k"}), frozenset({"id", "k"}), share, item_bytes, reads, writes
    )
    assert chosen.kind == kind
    assert words in chosen.reason


def test_projection_arithmetic_is_written_out() -> None:
    chosen = choose_projection(
        ["id", "k", "note"],
        frozenset({"k"}),
        frozenset({"id", "k"}),
        1.0,
        400.0,
        [IndexRead("R", 1.0, 4.5, False, False, None)],
        [IndexWrite("W", "update", 30.0, frozenset({"note"}))],
    )
    # ALL: 30 updates/s x 1 unit x 5 = 150; KEYS_ONLY: 0 writes + 1 rps x 4.5 items x 0.5 = 2.25
    assert "ALL: 30 index WRU/s x 5 (write/read price) = 150" in chosen.reason
    assert "KEYS_ONLY: 0 WRU/s x 5 + 2.25 RRU/s fetching R 1 rps x 4.5 items = 2.25" in chosen.reason


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_the_strategy_choice_is_a_decision_with_both_shapes(strategy: str) -> None:
    model = _design([("SELECT * FROM logs WHERE action = :a", 1.0, "eventual")], referenced=True, strategy=strategy)
    (decision,) = [d for d in model.decisions if d.decision_type == "TABLE_STRUCTURE" and d.subject == "app"]
    # logs + replies, one GSI (logs by action); single-table: one table, the same GSI overloaded
    assert decision.alternatives_considered == (
        "multi-table: 2 tables (one per source table and per unique rule), 1 GSIs",
        "single-table: 1 table holding 2 item types, 1 overloaded GSIs",
    )
    assert decision.chosen_approach == decision.alternatives_considered[0 if strategy == "multi-table" else 1]
    assert f"--strategy {strategy}" in decision.justification


def test_a_table_no_pattern_reads_is_said_with_the_parent_it_could_fold_into() -> None:
    model = _design([("SELECT * FROM logs WHERE action = :a", 1.0, "eventual")], referenced=True)
    (unread,) = [d for d in model.decisions if d.subject == "replies (read by no pattern)"]
    assert unread.decision_type == "TABLE_STRUCTURE"
    assert "0 rps of reads" in unread.justification
    assert unread.alternatives_considered[1].startswith(
        "fold its items into logs's item collection (partition key log_id"
    )
    assert not [d for d in model.decisions if d.subject == "logs (read by no pattern)"]


# (case, SQL by e-mail, steps of the plan)
LOOKUP_COVER_RULES = [
    ("the lookup item holds the key it points to: it answers alone", "SELECT id FROM members WHERE email = :e", 1),
    ("it holds the unique value too", "SELECT id, email FROM members WHERE email = :e", 1),
    ("another column: the item itself", "SELECT name FROM members WHERE email = :e", 2),
    ("every column: the item itself", "SELECT * FROM members WHERE email = :e", 2),
    (
        "a condition beyond the unique value is tested on the item",
        "SELECT id FROM members WHERE email = :e AND name = :n",
        2,
    ),
]


@pytest.mark.parametrize(("sql", "steps"), [r[1:] for r in LOOKUP_COVER_RULES], ids=[r[0] for r in LOOKUP_COVER_RULES])
@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_a_lookup_item_that_holds_the_selected_columns_answers_alone(sql: str, steps: int, strategy: str) -> None:
    members = Table(
        "members",
        (
            Column("id", "integer", "integer", False),
            Column("email", "text", "string", False),
            Column("name", "text", "string", True),
        ),
        ("id",),
        unique_constraints=(UniqueConstraint(None, ("email",), "constraint"),),
    )
    schema = Schema(SourceInfo("postgresql", None, "app"), (members,))
    patterns = PatternsFile("app", (AccessPattern("AP01", "by e-mail", sql, Rps(1.0, 3.0)),))
    options = DesignOptions(strategy=strategy)  # type: ignore[arg-type]
    model = build_model(schema, patterns, resolve_patterns(schema, patterns), options)
    plan = model.plan("AP01")
    assert plan.supported and len(plan.steps) == steps
    assert plan.steps[0].note == "finds the item's key by its unique value"
