"""Issue 20: the SQL a small shop runs is served correctly or refused with its reason, never planned wrong.

The shop (tests/validate/ecommerce) is generated into SQLite, PostgreSQL and MariaDB, analyzed, designed
from its own dialect's patterns and validated on DynamoDB Local: every supported plan returns (or writes)
what its SQL does, and each pattern the issue names is refused with the reason that is true of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.commands.validate import validate
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.model import AccessPlan
from sql2dynamo.target.model_file import load_model
from tests.helpers.databases import SOURCES
from tests.validate.ecommerce import generate, patterns_text

pytestmark = pytest.mark.dynamodb

# Pattern -> words its refusal must hold (the reason, then the alternative).
REFUSED = {
    "P03": (
        "a bounded set (at most",
        "rows per user_id at the 99th percentile",
        "compute the aggregate in the application",
    ),
    "P04": ("OFFSET pagination", "page with the cursor the runtime returns instead of an offset"),
    "P05": ("a recursive CTE (WITH RECURSIVE) that walks categories.parent_id", "one GetItem per level"),
    "P06": ("ci.quantity > p.inventory_quantity", "DynamoDB evaluates only comparisons of stored attributes"),
    "P07": ("an upsert", "kept in the lookup table", "would fail on the second call", "UpdateItem (ADD"),
    "P11": ("a bounded set", "GROUP BY product_id"),
    "P12": ("over 16 rows of cart_items, with no key to bound the set", "Athena"),
    "P13": ("products.category_id, a column of another table",),
    "P14": ("a self-join of categories", "WHERE parent_id = :id"),
}
SERVED = ("P01", "P02", "P08", "P09", "P10", "P15", "P16", "P17")


def _designed(url: str, source: str, out: Path, strategy: str, *, copies: bool = True) -> Path:
    engine = sa.create_engine(url)
    try:
        generate(engine, rows=8)
    finally:
        engine.dispose()
    analyzed = analyze(url, out_dir=out / "analysis", reporter=RecordingReporter(), application="shop")
    model_dir = out / "design"
    model_dir.mkdir(parents=True)
    patterns = model_dir / "access_patterns.yaml"
    patterns.write_text(patterns_text(source, copies=copies), encoding="utf-8")
    design(
        analyzed.schema_path,
        patterns,
        out_dir=model_dir,
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
        strategy=strategy,
    )
    return model_dir


def _one_line_wcu(plan: AccessPlan) -> float:
    """WCU of deleting one cart line: the line and its unique-value claim, in one transaction (x2 each)."""
    transaction = next(s for s in plan.steps if s.operation == "TransactWriteItems")
    return 2.0 * len(transaction.items)


def _refusal(plan: AccessPlan) -> str:
    return f"{plan.reason} | {plan.alternative}"


@pytest.mark.parametrize("copies", (True, False), ids=("copies", "batch-get"))
@pytest.mark.parametrize("strategy", ("multi-table", "single-table"))
@pytest.mark.parametrize("source", SOURCES)
def test_shop_is_served_or_refused_never_planned_wrong(
    source: str, strategy: str, copies: bool, empty_db: Callable[[str], str], endpoint: str, tmp_path: Path
) -> None:
    url = empty_db(source)
    model_dir = _designed(url, source, tmp_path, strategy, copies=copies)
    _, model = load_model(model_dir)
    plans = {p.pattern_id: p for p in model.plans}

    # A product joined to both its parents: one read of the item holding copies, or one BatchGetItem per
    # parent, the second keyed by the product's own column (carried past the category's step).
    join = [(s.operation, s.table, s.key) for s in plans["P02"].steps]
    if copies:
        assert [op for op, _, _ in join] == ["GetItem"], join
    else:
        assert [op for op, _, _ in join] == ["GetItem", "BatchGetItem", "BatchGetItem"], join
        assert any("{products.seller_id" in str(key) for _, _, key in join), join
    # Cart lines with their product and its category: each parent read from the row before it.
    chain = [(s.operation, s.key) for s in plans["P17"].steps]
    assert [op for op, _ in chain] == ["Query", "BatchGetItem", "BatchGetItem"], chain
    assert "{products.category_id" in str(chain[2][1]), chain
    # Clearing the cart deletes every line the Query finds (2 per user here), and is priced so.
    assert plans["P08"].expected_items == plans["P09"].expected_items == 2.0
    assert plans["P08"].wcu_per_call == 2 * _one_line_wcu(plans["P08"])
    # The insert of a product reads the parents it copies columns from: their reads are in its cost.
    assert plans["P15"].rcu_per_call == (1.0 if copies else 0.0) * 2
    assert ("read first from categories, users" in str(plans["P15"].steps[0].note)) is copies
    # A unique (user_id, product_id) names one row.
    assert plans["P10"].supported

    for pattern_id, words in REFUSED.items():
        assert not plans[pattern_id].supported, (pattern_id, plans[pattern_id].steps)
        for word in words:
            assert word in _refusal(plans[pattern_id]), (pattern_id, word, _refusal(plans[pattern_id]))
    assert all(plans[p].supported for p in SERVED), {p: plans[p].reason for p in SERVED}

    result = validate(url, model_dir, endpoint, reporter=RecordingReporter())

    failed = {p.pattern_id: p.reason for p in result.failed}
    assert not failed, failed
    status = {p.pattern_id: p.status for p in result.patterns}
    assert {p for p, s in status.items() if s == "unsupported"} == set(REFUSED)
    assert all(status[p] == "pass" for p in SERVED), status
    by_id = {p.pattern_id: p for p in result.patterns}
    # The joins returned joined rows on both sides, compared column by column.
    for joined in ("P02", "P17"):
        assert any(c.expected > 0 and c.actual == c.expected for c in by_id[joined].cases), joined
