"""The "Cost Estimates" and "Hot Partition Analysis" sections of ``dynamodb_data_model.md``.

Both report the capacity figures the model holds: monthly cost per table
with its arithmetic and the capacity per access pattern, then the load on
the hottest key of each table and index against DynamoDB's per-partition
limits.
"""

from __future__ import annotations

from sql2dynamo.design.model import DataModel
from sql2dynamo.design.render.markdown import bullet, code, money, num, table

# DynamoDB's per-partition throughput ceiling, quoted next to the partition table.
PARTITION_RCU_LIMIT = 3000
PARTITION_WCU_LIMIT = 1000


COST_HEADERS = (
    "Table",
    "Storage (GB)",
    "RCU avg",
    "WCU avg",
    "RCU peak",
    "WCU peak",
    "Storage $/month",
    "On-demand $/month",
    "Provisioned $/month",
)


PATTERN_COST_HEADERS = (
    "Pattern",
    "RPS avg",
    "RPS peak",
    "RCU/call",
    "WCU/call",
    "RCU avg",
    "WCU avg",
    "RCU peak",
    "WCU peak",
)


def cost_estimates(model: DataModel) -> list[str]:
    """The "Cost Estimates" section: monthly cost per table, its arithmetic, and capacity per pattern."""
    lines = ["", "## Cost Estimates", ""]
    cost = model.cost
    if cost is None:
        lines.append("No cost estimate: the model was built without capacity figures.")
        return lines
    lines.append(
        f"Prices: {cost.pricing}. On-demand is priced from **average** RPS; provisioned capacity must "
        f"cover the **peak** RPS. Chosen billing: **{cost.billing}**."
    )
    lines.append("")
    rows: list[list[str]] = [
        [
            c.table,
            num(c.storage_gb),
            num(c.rcu_avg),
            num(c.wcu_avg),
            num(c.rcu_peak),
            num(c.wcu_peak),
            money(c.storage_monthly),
            money(c.on_demand_monthly),
            money(c.provisioned_monthly),
        ]
        for c in cost.tables
    ]
    rows.append(
        [
            "**Total**",
            num(sum(c.storage_gb for c in cost.tables)),
            num(sum(c.rcu_avg for c in cost.tables)),
            num(sum(c.wcu_avg for c in cost.tables)),
            num(sum(c.rcu_peak for c in cost.tables)),
            num(sum(c.wcu_peak for c in cost.tables)),
            money(sum(c.storage_monthly for c in cost.tables)),
            f"**{money(cost.total_on_demand_monthly)}**",
            f"**{money(cost.total_provisioned_monthly)}**",
        ]
    )
    lines += table(COST_HEADERS, rows)
    chosen = cost.total_on_demand_monthly if cost.billing == "on-demand" else cost.total_provisioned_monthly
    lines += ["", bullet("Monthly total (chosen billing)", f"{money(chosen)} ({cost.billing})")]
    for c in cost.tables:
        if not c.arithmetic:
            continue
        fence = "~~~~" if any("```" in line for line in c.arithmetic) else "```"
        lines += ["", f"### {c.table} arithmetic", "", fence + "text", *c.arithmetic, fence]
    if cost.patterns:
        lines += ["", "### Capacity per Access Pattern", ""]
        lines += table(
            PATTERN_COST_HEADERS,
            [
                [
                    p.pattern_id,
                    num(p.rps_avg),
                    num(p.rps_peak),
                    num(p.rcu_per_call),
                    num(p.wcu_per_call),
                    num(p.rcu_avg),
                    num(p.wcu_avg),
                    num(p.rcu_peak),
                    num(p.wcu_peak),
                ]
                for p in cost.patterns
            ],
        )
    return lines


PARTITION_HEADERS = (
    "Table",
    "Index",
    "Key",
    "Patterns",
    "Distinct keys",
    "Skew",
    "RCU/partition",
    "WCU/partition",
    "Hot",
)


def hot_partition_analysis(model: DataModel) -> list[str]:
    """The "Hot Partition Analysis" section: each key's peak load per partition, and the hot keys' sharding plans."""
    lines = ["", "## Hot Partition Analysis", ""]
    if not model.partitions:
        lines.append("The model holds no partition load figures (no pattern with RPS reaches a key).")
        return lines
    lines.append(
        f"A single partition serves at most {num(PARTITION_RCU_LIMIT)} RCU and "
        f"{num(PARTITION_WCU_LIMIT)} WCU per second; the load below is the hottest key's share at peak RPS."
    )
    lines.append("")
    lines += table(
        PARTITION_HEADERS,
        [
            [
                p.table,
                p.index or "(table)",
                code(p.key),
                ", ".join(p.pattern_ids),
                num(p.distinct_keys),
                num(p.skew),
                num(p.rcu_per_partition),
                num(p.wcu_per_partition),
                "🔥 yes" if p.hot else "no",
            ]
            for p in model.partitions
        ],
    )
    hot = [p for p in model.partitions if p.hot]
    lines.append("")
    if not hot:
        lines.append("No key is hot: every partition stays well under its limits.")
    for p in hot:
        where = p.table + (f" / {p.index}" if p.index else "")
        lines.append(
            f"- **{where}** key {code(p.key)} is hot ({', '.join(p.pattern_ids)}): "
            f"sharding plan: {p.sharding_plan or 'none recorded - decide before production'}"
        )
    return lines
