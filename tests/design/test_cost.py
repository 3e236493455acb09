"""The price table, and one design priced by hand to the cent in both billing modes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.design.model import CostEstimate
from sql2dynamo.design.pricing import SECONDS_PER_MONTH, cents, estimate_cost, load_pricing, parse_pricing
from sql2dynamo.design.sizing.items import ItemSize, Sizes
from tests.design.fixtures import attr, entity, gsi, kp, pattern, plan, spec, step


def test_shipped_prices() -> None:
    p = load_pricing()
    assert (p.region, p.currency, p.price_date) == ("us-east-1", "USD", "2024-11-01")
    assert p.on_demand_write_per_million == Decimal("0.625")
    assert p.on_demand_read_per_million == Decimal("0.125")
    assert p.provisioned_wcu_hour == Decimal("0.00065")
    assert p.provisioned_rcu_hour == Decimal("0.00013")
    assert p.storage_gb_month == Decimal("0.25")
    assert "aws.amazon.com/dynamodb/pricing" in p.source
    assert SECONDS_PER_MONTH == 730 * 3600 == 2_628_000


def _shipped() -> dict[str, Any]:
    text = (Path(__file__).parents[2] / "src/sql2dynamo/design/data/pricing-us-east-1.json").read_text()
    return dict(json.loads(text))


BAD_FILES = [
    # mutation of the shipped file, key the error names
    (lambda d: d["provisioned"].pop("rcu_hour"), "provisioned.rcu_hour"),
    (
        lambda d: d["on_demand"].update(read_request_units_per_million="cheap"),
        "on_demand.read_request_units_per_million",
    ),
    (lambda d: d["storage"].update(gb_month=-1), "storage.gb_month"),
    (lambda d: d.pop("storage"), "storage"),
    (lambda d: d.pop("price_date"), "price_date"),
    (lambda d: d["storage"].update(free_tier_gb=True), "storage.free_tier_gb"),
]


@pytest.mark.parametrize(("mutate", "key"), BAD_FILES, ids=[k for _, k in BAD_FILES])
def test_bad_price_file_names_the_key(tmp_path: Path, mutate: Any, key: str) -> None:
    doc = _shipped()
    mutate(doc)
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as info:
        load_pricing(path)
    assert f"`{key}`" in info.value.message
    assert str(path) in info.value.message


def test_unreadable_price_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such price file"):
        load_pricing(tmp_path / "missing.json")
    with pytest.raises(InputError, match="not valid JSON"):
        parse_pricing("{", source="x.json")
    with pytest.raises(InputError, match="a JSON object"):
        parse_pricing("[]", source="x.json")


def test_a_custom_price_file_is_read_exactly(tmp_path: Path) -> None:
    doc = _shipped()
    doc["provisioned"]["rcu_hour"] = 0.000147
    path = tmp_path / "eu.json"
    path.write_text(json.dumps(doc))
    assert load_pricing(path).provisioned_rcu_hour == Decimal("0.000147")


# ---------------------------------------------------------------- the hand-computed case
#
# Table "customers": 1,000,000 items of 412 B; GSI by_email (ALL) holds every item at 412 B.
# Table "plans": 16,000 items of 900 B, no traffic.
#   AP01 GetItem customers, eventual: 0.5 RCU a call, 20 rps avg / 80 peak
#   AP02 PutItem customers: 1 WCU (412 B) + 1 WCU on by_email, 2 rps avg / 10 peak
#
# customers storage: 1,000,000 x (412 + 100) = 512,000,000 B, twice (table + GSI) = 1,024,000,000 B
#   = 1.024 GB x $0.25 = $0.256
# on-demand (average RPS):
#   reads  20 x 0.5 = 10 RRU/s x 2,628,000 s = 26,280,000 RRU x $0.125/M = $3.285
#   writes 2 x (1 + 1) = 4 WRU/s x 2,628,000 s = 10,512,000 WRU x $0.625/M = $6.57
#   customers on-demand = 3.285 + 6.57 + 0.256 = $10.111 -> $10.11
# provisioned (peak RPS / 0.70, at least 1 unit, table and GSI separately), x 730 h:
#   table reads  80 x 0.5 = 40 / 0.7 = 57.14 -> 58 RCU x $0.00013 x 730 = $5.5042
#   table writes 10 x 1 = 10 / 0.7 = 14.29 -> 15 WCU x $0.00065 x 730 = $7.1175
#   GSI reads    0 -> 1 RCU x $0.00013 x 730 = $0.0949
#   GSI writes   10 / 0.7 -> 15 WCU = $7.1175
#   customers provisioned = 5.5042 + 7.1175 + 0.0949 + 7.1175 + 0.256 = $20.0901 -> $20.09
# plans storage: 16,000 x (900 + 100) = 16,000,000 B = 0.016 GB x $0.25 = $0.004
#   plans on-demand = $0.004 -> $0.00
#   plans provisioned = 1 RCU $0.0949 + 1 WCU (1 x 0.00065 x 730) $0.4745 + $0.004 = $0.5734 -> $0.57
# totals, rounded once from the exact sums:
#   on-demand   10.111 + 0.004 = 10.115 -> $10.12 (the rounded parts would give $10.11)
#   provisioned 20.0901 + 0.5734 = 20.6635 -> $20.66

CUSTOMER = entity("customer", kp("customer_id", "{customer_id}", "N"), [attr("email", "customer", nullable=False)])
CUSTOMERS = spec("customers", [CUSTOMER], indexes=[gsi("by_email", kp("email", "{email}"))])
PLANS = spec("plans", [entity("plan", kp("plan_id", "{plan_id}", "N"))])
SIZES: Sizes = {
    ("customers", "customer"): ItemSize(412, index_bytes={"by_email": 412}, index_share={"by_email": 1.0}),
    ("plans", "plan"): ItemSize(900),
}
PLANS_ = [
    plan("AP01", [step("GetItem", "customers", key={"customer_id": "{:id}"})]),
    plan("AP02", [step("PutItem", "customers", item_entity="customer")], kind="write"),
]
PATTERNS = [pattern("AP01", 20, 80, "eventual"), pattern("AP02", 2, 10)]
ROWS = {"customer": 1_000_000, "plan": 16_000}


def _estimate(billing: str = "on-demand") -> CostEstimate:
    return estimate_cost([CUSTOMERS, PLANS], PLANS_, PATTERNS, SIZES, ROWS, load_pricing(), billing)  # type: ignore[arg-type]


def test_hand_computed_cost_to_the_cent() -> None:
    est = _estimate()
    customers, plans = est.tables
    assert customers.storage_gb == 1.024
    assert customers.storage_monthly == 0.26
    assert (customers.rcu_avg, customers.wcu_avg, customers.rcu_peak, customers.wcu_peak) == (10, 4, 40, 20)
    assert customers.on_demand_monthly == 10.11
    assert customers.provisioned_monthly == 20.09
    assert (plans.storage_gb, plans.on_demand_monthly, plans.provisioned_monthly) == (0.016, 0.0, 0.57)
    assert est.total_on_demand_monthly == 10.12
    assert est.total_provisioned_monthly == 20.66
    assert est.billing == "on-demand"
    assert "us-east-1 list prices of 2024-11-01" in est.pricing


def test_arithmetic_lines_show_the_sums() -> None:
    lines = "\n".join(_estimate().tables[0].arithmetic)
    for figure in (
        "1,000,000 items x (412 B + 100 B overhead) = 512,000,000 B",
        "1,024,000,000 B / 10^9 = 1.024 GB x $0.25/GB-month = $0.256",
        "10 RRU/s (average) x 2,628,000 s/month (730 h x 3,600) = 26,280,000 RRU x $0.125/million = $3.285",
        "4 WRU/s (average) x 2,628,000 s/month = 10,512,000 WRU x $0.625/million = $6.57",
        "on-demand total: $3.285 + $6.57 + $0.256 storage = $10.111 -> $10.11",
        "peak 40 RCU/s / 0.7 utilization -> 58 RCU (at least 1) x $0.00013/RCU-hour x 730 h = $5.5042",
        "customers/by_email reads: peak 0 RCU/s / 0.7 utilization -> 1 RCU",
        "provisioned total: $5.5042 + $7.1175 + $0.0949 + $7.1175 + $0.256 storage = $20.0901 -> $20.09",
        "AP01: 0.5 RCU/call x 20 avg / 80 peak rps",
    ):
        assert figure in lines


def test_patterns_capacity_is_reported() -> None:
    caps = {c.pattern_id: c for c in _estimate("provisioned").patterns}
    assert (caps["AP01"].rcu_per_call, caps["AP01"].rcu_avg, caps["AP01"].rcu_peak) == (0.5, 10, 40)
    assert (caps["AP02"].wcu_per_call, caps["AP02"].wcu_avg, caps["AP02"].wcu_peak) == (2, 4, 20)


def test_cents_round_half_up() -> None:
    assert cents(Decimal("10.115")) == Decimal("10.12")
    assert cents(Decimal("10.1149")) == Decimal("10.11")


def test_target_utilization_changes_provisioned_only() -> None:
    full = estimate_cost(
        [CUSTOMERS], PLANS_, PATTERNS, SIZES, ROWS, load_pricing(), "provisioned", target_utilization=1.0
    )
    # reads 40 RCU (x 0.00013 x 730 = 3.796), writes 10 + GSI 10 WCU (4.745 each), GSI reads 1 RCU 0.0949
    assert full.tables[0].provisioned_monthly == float(
        cents(Decimal("3.796") + 2 * Decimal("4.745") + Decimal("0.0949") + Decimal("0.256"))
    )
    assert full.tables[0].on_demand_monthly == 10.11


def test_bad_arguments() -> None:
    with pytest.raises(UsageError, match="billing"):
        estimate_cost([CUSTOMERS], PLANS_, PATTERNS, SIZES, ROWS, load_pricing(), "reserved")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="utilization"):
        estimate_cost([CUSTOMERS], PLANS_, PATTERNS, SIZES, ROWS, load_pricing(), "on-demand", target_utilization=0)
    with pytest.raises(InputError, match="AP02"):
        estimate_cost([CUSTOMERS], PLANS_, PATTERNS[:1], SIZES, ROWS, load_pricing(), "on-demand")


def test_unknown_row_count_stores_nothing() -> None:
    est = estimate_cost([PLANS], [], [], SIZES, {}, load_pricing(), "on-demand")
    assert est.tables[0].storage_gb == 0
    assert any("row count unknown" in line for line in est.tables[0].arithmetic)
