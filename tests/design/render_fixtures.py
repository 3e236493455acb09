"""Hand-built inputs for the design renderers: a small shop schema, its patterns, and two DataModels.

``multi_table_model`` exercises the multi-table path: a unique-email lookup
table written with TransactWriteItems, a sparse GSI with an INCLUDE
projection, a TTL, a denormalized attribute with its join, an unsupported
pattern, warnings, a cost estimate and a hot partition.  ``single_table_model``
stores two entities in one table with an overloaded GSI and has no cost
estimate.  Everything is literal so that the tests do not depend on the
design engine.
"""

from __future__ import annotations

from sql2dynamo.design.model import (
    AccessPlan,
    AttributeSpec,
    CostEstimate,
    DataModel,
    DesignDecision,
    DesignWarning,
    EntityMapping,
    IndexSpec,
    Join,
    KeyPart,
    PartitionLoad,
    PatternCapacity,
    PlanStep,
    SparseCondition,
    TableCost,
    TableSpec,
    TtlSpec,
)
from sql2dynamo.source.model import (
    CheckConstraint,
    Column,
    ColumnStats,
    FanOut,
    ForeignKey,
    Schema,
    SourceInfo,
    Table,
    TableStats,
    UniqueConstraint,
)
from sql2dynamo.workload.patterns.model import AccessPattern, PatternsFile, Rps
from sql2dynamo.workload.shape.model import StatementShape
from sql2dynamo.workload.shape.parse import parse_shape

MISSING_RPS = "AP07: no RPS (rps: null) — add rps: {avg, peak}"


def _col(name: str, source_type: str, normalized: str, *, nullable: bool = False, **kw: object) -> Column:
    return Column(name=name, source_type=source_type, normalized_type=normalized, nullable=nullable, **kw)  # type: ignore[arg-type]


def shop_schema() -> Schema:
    """customer (unique email), orders (fan-out, CHECK, enum), session (TTL), employee (self-reference)."""
    customer = Table(
        name="customer",
        columns=(
            _col("customer_id", "integer", "integer", autoincrement=True),
            _col("email", "character varying(120)", "string", stats=ColumnStats(0.0, 5000, 5000, True)),
            _col("name", "character varying(80)", "string"),
            _col("created_at", "timestamp without time zone", "datetime"),
        ),
        primary_key=("customer_id",),
        unique_constraints=(UniqueConstraint("customer_email_key", ("email",), "constraint"),),
        stats=TableStats(5000, True, 96.0, 180, 5000, "full"),
    )
    orders = Table(
        name="orders",
        columns=(
            _col("order_id", "integer", "integer", autoincrement=True),
            _col("customer_id", "integer", "integer", stats=ColumnStats(0.0, 4100, 26000, True)),
            _col("status", "order_status", "enum", enum_values=("open", "shipped")),
            _col("total", "numeric(10,2)", "decimal"),
            _col("created_at", "timestamp without time zone", "datetime"),
        ),
        primary_key=("order_id",),
        foreign_keys=(
            ForeignKey(
                name="orders_customer_fk",
                columns=("customer_id",),
                referred_table="customer",
                referred_columns=("customer_id",),
                on_delete="cascade",
                fanout=FanOut(
                    children=26000,
                    parents_with_children=4100,
                    avg=6.34,
                    p99=40,
                    max=120,
                    method="exact",
                    parents_total=5000,
                ),
            ),
        ),
        check_constraints=(CheckConstraint("orders_total_check", "total >= 0"),),
        stats=TableStats(26000, False, 64.0, 90, 5000, "tablesample"),
    )
    session = Table(
        name="session",
        columns=(
            _col("session_id", "uuid", "uuid"),
            _col("customer_id", "integer", "integer"),
            _col("created_at", "timestamp with time zone", "datetime_tz"),
        ),
        primary_key=("session_id",),
        foreign_keys=(ForeignKey("session_customer_fk", ("customer_id",), "customer", ("customer_id",)),),
    )
    employee = Table(
        name="employee",
        columns=(
            _col("employee_id", "integer", "integer"),
            _col("reports_to", "integer", "integer", nullable=True),
        ),
        primary_key=("employee_id",),
        foreign_keys=(ForeignKey("employee_boss_fk", ("reports_to",), "employee", ("employee_id",)),),
    )
    return Schema(
        source=SourceInfo(dialect="postgresql", url="postgresql://app@db/shop", database="shop"),
        tables=(customer, orders, session, employee),
        notes=("orders older than 2 years are archived nightly",),
    )


def shop_patterns() -> PatternsFile:
    """Seven patterns; AP06 is a LIKE '%x%' search, AP07 has no RPS."""

    def ap(pid: str, description: str, sql: str, rps: Rps | None, consistency: str = "strong") -> AccessPattern:
        return AccessPattern(pid, description, sql, rps=rps, consistency=consistency, dialect="postgresql")

    return PatternsFile(
        application="shop",
        dialect="postgresql",
        patterns=(
            ap(
                "AP01",
                "Get a customer by id",
                "SELECT * FROM customer WHERE customer_id = :customer_id",
                Rps(200, 500),
            ),
            ap(
                "AP02",
                "Log in by email",
                "SELECT customer_id, name FROM customer WHERE email = :email",
                Rps(50, 120),
                "eventual",
            ),
            ap(
                "AP03",
                "A customer's latest orders",
                "SELECT * FROM orders WHERE customer_id = :customer_id ORDER BY created_at DESC LIMIT 20",
                Rps(30, 90),
            ),
            ap(
                "AP04",
                "Open orders queue | oldest first",
                "SELECT order_id, customer_id, created_at FROM orders WHERE status = 'open' ORDER BY created_at",
                Rps(5, 10),
                "eventual",
            ),
            ap(
                "AP05",
                "Sign up",
                "INSERT INTO customer (customer_id, email, name, created_at)"
                " VALUES (:customer_id, :email, :name, :created_at)",
                Rps(2, 10),
            ),
            ap(
                "AP06",
                "Search customers by name",
                "SELECT * FROM customer WHERE name LIKE '%smith%'",
                Rps(1, 3),
                "eventual",
            ),
            ap("AP07", "Get a session", "SELECT * FROM session WHERE session_id = :session_id", None),
        ),
    )


def shop_shapes(patterns: PatternsFile) -> dict[str, StatementShape | None]:
    """Each pattern's parsed statement."""
    return {p.id: parse_shape(p.sql, "postgresql", pattern_id=p.id) for p in patterns.patterns}


# -------------------------------------------------------------------------- multi-table


def _key(attribute: str, template: str, columns: tuple[str, ...], type_: str = "S") -> KeyPart:
    return KeyPart(attribute=attribute, type=type_, template=template, columns=columns)  # type: ignore[arg-type]


def _attr(name: str, type_: str, table: str, column: str, transform: str, **kw: object) -> AttributeSpec:
    return AttributeSpec(name, type_, table, column, transform, **kw)  # type: ignore[arg-type]


def _decision(kind: str, subject: str, chosen: str, *, patterns: tuple[str, ...] = ()) -> DesignDecision:
    return DesignDecision(
        decision_type=kind,
        subject=subject,
        alternatives_considered=("single-table with generic PK/SK", "GSI instead"),
        chosen_approach=chosen,
        justification=f"{subject}: the patterns read it by this key",
        trade_offs=(f"{subject}: one more thing to keep in sync",),
        rollback_strategy="recreate the table from the source and backfill",
        monitoring_requirements=("ThrottledRequests", "ConsumedReadCapacityUnits"),
        pattern_ids=patterns,
    )


def multi_table_model() -> DataModel:
    """Customer, CustomerEmail (lookup), Orders (sparse GSI, denormalized name), Session (TTL)."""
    customer_id_n = _key("customer_id", "{customer_id}", ("customer_id",), "N")
    customer = TableSpec(
        name="Customer",
        role="entity",
        pk=customer_id_n,
        sk=None,
        indexes=(),
        entities=(
            EntityMapping(
                source_table="customer",
                item_type=None,
                pk=customer_id_n,
                sk=None,
                attributes=(
                    _attr("customer_id", "N", "customer", "customer_id", "integer", nullable=False),
                    _attr("email", "S", "customer", "email", "string", nullable=False),
                    _attr("name", "S", "customer", "name", "string", nullable=False),
                    _attr("created_at", "S", "customer", "created_at", "datetime", nullable=False),
                ),
            ),
        ),
        satisfies=("AP01", "AP02", "AP05"),
        estimated_item_size_bytes=120,
        purpose="Customer profiles, read by id at 500 peak RPS",
    )
    email_key = _key("email", "{email}", ("email",))
    customer_email = TableSpec(
        name="CustomerEmail",
        role="lookup",
        pk=email_key,
        sk=None,
        indexes=(),
        entities=(
            EntityMapping(
                source_table="customer",
                item_type=None,
                pk=email_key,
                sk=None,
                attributes=(
                    _attr("email", "S", "customer", "email", "string", nullable=False),
                    _attr("customer_id", "N", "customer", "customer_id", "integer", nullable=False),
                ),
                kind="lookup",
                unique_columns=("email",),
            ),
        ),
        satisfies=("AP02", "AP05"),
        estimated_item_size_bytes=60,
    )
    order_key = _key("order_key", "{created_at}#{order_id}", ("created_at", "order_id"))
    status_key = _key("status", "{status}", ("status",))
    created_key = _key("created_at", "{created_at}", ("created_at",))
    orders = TableSpec(
        name="Orders",
        role="entity",
        pk=customer_id_n,
        sk=order_key,
        indexes=(
            IndexSpec(
                name="OpenOrdersByDate",
                pk=status_key,
                sk=created_key,
                projection="INCLUDE",
                non_key_attributes=("order_id", "customer_id"),
                serves=("AP04",),
                sparse=SparseCondition("status", "open", "only open orders are queued; shipped ones drop out"),
                projection_reason="INCLUDE 2 attributes: 40 B/item vs 64 B for ALL; AP04 reads only those",
            ),
        ),
        entities=(
            EntityMapping(
                source_table="orders",
                item_type=None,
                pk=customer_id_n,
                sk=order_key,
                attributes=(
                    _attr("order_id", "N", "orders", "order_id", "integer", nullable=False),
                    _attr("customer_id", "N", "orders", "customer_id", "integer", nullable=False),
                    _attr("total", "N", "orders", "total", "decimal", nullable=False),
                    _attr("created_at", "S", "orders", "created_at", "datetime", nullable=False),
                    _attr(
                        "customer_name",
                        "S",
                        "customer",
                        "name",
                        "string",
                        denormalized=True,
                        justification="AP03 shows the customer's name with every order list",
                        join=Join(local_column="customer_id", source_column="customer_id"),
                    ),
                ),
                index_keys=(status_key, created_key),
            ),
        ),
        satisfies=("AP03", "AP04"),
        estimated_item_size_bytes=96,
    )
    session_key = _key("session_id", "{session_id}", ("session_id",))
    session = TableSpec(
        name="Session",
        role="entity",
        pk=session_key,
        sk=None,
        indexes=(),
        entities=(
            EntityMapping(
                source_table="session",
                item_type=None,
                pk=session_key,
                sk=None,
                attributes=(
                    _attr("session_id", "S", "session", "session_id", "uuid", nullable=False),
                    _attr("customer_id", "N", "session", "customer_id", "integer", nullable=False),
                ),
                ttl=TtlSpec("expires_at", "created_at", 30, "sessions are useless after 30 days"),
            ),
        ),
        satisfies=("AP07",),
        estimated_item_size_bytes=70,
        ttl_attribute="expires_at",
    )
    plans = (
        AccessPlan(
            "AP01",
            "Get a customer by id",
            "read",
            True,
            (PlanStep("GetItem", "Customer", key={"customer_id": "{:customer_id}"}, consistent_read=True),),
            expected_items=1,
            rcu_per_call=1,
            wcu_per_call=0,
        ),
        AccessPlan(
            "AP02",
            "Log in by email",
            "read",
            True,
            (
                PlanStep("GetItem", "CustomerEmail", key={"email": "{:email}"}),
                PlanStep(
                    "GetItem",
                    "Customer",
                    key={"customer_id": "{customer_id}"},
                    note="the id comes from the lookup item",
                ),
            ),
            expected_items=2,
            rcu_per_call=1,
            wcu_per_call=0,
        ),
        AccessPlan(
            "AP03",
            "A customer's latest orders",
            "read",
            True,
            (
                PlanStep(
                    "Query",
                    "Orders",
                    key_condition="customer_id = :customer_id",
                    values={":customer_id": "{:customer_id}"},
                    scan_forward=False,
                    limit=20,
                    consistent_read=True,
                ),
            ),
            expected_items=6.34,
            rcu_per_call=1,
            wcu_per_call=0,
        ),
        AccessPlan(
            "AP04",
            "Open orders queue | oldest first",
            "read",
            True,
            (
                PlanStep(
                    "Query",
                    "Orders",
                    index="OpenOrdersByDate",
                    key_condition="#status = :status",
                    names={"#status": "status"},
                    values={":status": "open"},
                    select="ALL_PROJECTED_ATTRIBUTES",
                ),
            ),
            expected_items=120,
            rcu_per_call=2.5,
            wcu_per_call=0,
        ),
        AccessPlan(
            "AP05",
            "Sign up",
            "write",
            True,
            (
                PlanStep(
                    "TransactWriteItems",
                    "Customer",
                    items=(
                        PlanStep(
                            "PutItem",
                            "Customer",
                            item_entity="customer",
                            condition="attribute_not_exists(customer_id)",
                        ),
                        PlanStep(
                            "PutItem",
                            "CustomerEmail",
                            item_entity="customer",
                            condition="attribute_not_exists(email)",
                        ),
                    ),
                ),
            ),
            expected_items=0,
            rcu_per_call=0,
            wcu_per_call=4,
        ),
        AccessPlan(
            "AP06",
            "Search customers by name",
            "read",
            False,
            (),
            expected_items=0,
            rcu_per_call=0,
            wcu_per_call=0,
            reason="LIKE '%smith%' needs a full-text index; DynamoDB can only match key prefixes",
            alternative="OpenSearch fed by DynamoDB Streams",
        ),
        AccessPlan(
            "AP07",
            "Get a session",
            "read",
            True,
            (PlanStep("GetItem", "Session", key={"session_id": "{:session_id}"}, consistent_read=True),),
            expected_items=1,
            rcu_per_call=1,
            wcu_per_call=0,
        ),
    )
    decisions = (
        _decision("TABLE_STRUCTURE", "Customer", "one table per entity", patterns=("AP01",)),
        _decision("KEY_DESIGN", "Orders", "customer_id partition, created_at#order_id sort key", patterns=("AP03",)),
        _decision("GSI_DESIGN", "OpenOrdersByDate", "sparse GSI on status", patterns=("AP04",)),
        _decision("UNIQUE_CONSTRAINT", "CustomerEmail", "lookup table + TransactWriteItems", patterns=("AP05",)),
        _decision("DENORMALIZATION", "Orders.customer_name", "copy customer.name", patterns=("AP03",)),
    )
    warnings = (
        DesignWarning(
            "gsi_throttling_cascade",
            "Warning: GSI throttling will affect the entire base table. Consider dedicated capacity or "
            "alternative design.",
            "OpenOrdersByDate has 2 distinct partition key values",
            "OpenOrdersByDate",
            ("AP04",),
        ),
        DesignWarning(
            "schema_evolution_trap",
            "Warning: This denormalization will complicate future schema changes. Document migration strategy.",
            "Orders.customer_name copies customer.name",
            "Orders.customer_name",
            ("AP03",),
        ),
    )
    cost = CostEstimate(
        pricing="us-east-1 2024-11 (on-demand $0.125/M RRU, $0.625/M WRU; provisioned $0.00013/RCU-h)",
        billing="on-demand",
        tables=(
            TableCost(
                "Customer",
                0.45,
                200.0,
                8.0,
                500.0,
                40.0,
                150.3,
                80.12,
                0.11,
                (
                    "reads: 200 RPS × 1 RCU × 2,592,000 s × $0.125/M = $64.80",
                    "writes: 2 RPS × 4 WCU × 2,592,000 s × $0.625/M = $12.96",
                ),
            ),
            TableCost("CustomerEmail", 0.3, 50.0, 4.0, 120.0, 20.0, 20.0, 15.5, 0.08, ()),
            TableCost(
                "Orders",
                1.6,
                75.0,
                0.0,
                190.0,
                0.0,
                24.31,
                30.0,
                0.4,
                ("reads: 30 RPS × 1 RCU + 5 RPS × 2.5 RCU | GSI included",),
            ),
            TableCost("Session", 0.01, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, ()),
        ),
        patterns=(
            PatternCapacity("AP01", 200, 500, 1, 0, 200, 0, 500, 0),
            PatternCapacity("AP03", 30, 90, 1, 0, 30, 0, 90, 0),
            PatternCapacity("AP04", 5, 10, 2.5, 0, 12.5, 0, 25, 0),
            PatternCapacity("AP05", 2, 10, 0, 4, 0, 8, 0, 40),
        ),
        total_on_demand_monthly=194.61,
        total_provisioned_monthly=125.62,
    )
    partitions = (
        PartitionLoad("Customer", None, "customer_id", ("AP01",), 5000, 1.0, 0.1, 0.0, False),
        PartitionLoad(
            "Orders",
            "OpenOrdersByDate",
            "status",
            ("AP04",),
            2,
            1.0,
            25.0,
            20.0,
            True,
            sharding_plan="write-shard status into open#0..open#9 and query the 10 shards in parallel",
        ),
    )
    return DataModel(
        application="shop",
        strategy="multi-table",
        billing="on-demand",
        source_dialect="postgresql",
        tables=(customer, customer_email, orders, session),
        plans=plans,
        decisions=decisions,
        warnings=warnings,
        cost=cost,
        partitions=partitions,
    )


# ------------------------------------------------------------------------- single-table


def single_table_model() -> DataModel:
    """AppData holds customers and orders; GSI1 is overloaded (email for customers, status for orders)."""
    pk_customer = _key("PK", "CUSTOMER#{customer_id}", ("customer_id",))
    sk_customer = _key("SK", "PROFILE", ())
    pk_order = _key("PK", "CUSTOMER#{customer_id}", ("customer_id",))
    sk_order = _key("SK", "ORDER#{created_at}#{order_id}", ("created_at", "order_id"))
    gsi_pk_customer = _key("GSI1PK", "EMAIL#{email}", ("email",))
    gsi_sk_customer = _key("GSI1SK", "CUSTOMER", ())
    gsi_pk_order = _key("GSI1PK", "STATUS#{status}", ("status",))
    gsi_sk_order = _key("GSI1SK", "{created_at}", ("created_at",))
    app = TableSpec(
        name="AppData",
        role="entity",
        pk=pk_customer,
        sk=sk_customer,
        indexes=(
            IndexSpec(
                name="GSI1",
                pk=gsi_pk_customer,
                sk=gsi_sk_customer,
                projection="ALL",
                non_key_attributes=(),
                serves=("AP02", "AP04"),
                projection_reason="ALL: both patterns read whole items; KEYS_ONLY would add a GetItem each",
            ),
        ),
        entities=(
            EntityMapping(
                source_table="customer",
                item_type="CUSTOMER",
                pk=pk_customer,
                sk=sk_customer,
                attributes=(
                    _attr("customer_id", "N", "customer", "customer_id", "integer", nullable=False),
                    _attr("email", "S", "customer", "email", "string", nullable=False),
                    _attr("name", "S", "customer", "name", "string", nullable=False),
                ),
                index_keys=(gsi_pk_customer, gsi_sk_customer),
            ),
            EntityMapping(
                source_table="orders",
                item_type="ORDER",
                pk=pk_order,
                sk=sk_order,
                attributes=(
                    _attr("order_id", "N", "orders", "order_id", "integer", nullable=False),
                    _attr("status", "S", "orders", "status", "enum", nullable=False),
                    _attr("total", "N", "orders", "total", "decimal", nullable=False),
                ),
                index_keys=(gsi_pk_order, gsi_sk_order),
            ),
        ),
        satisfies=("AP01", "AP02", "AP03", "AP04"),
        estimated_item_size_bytes=110,
        stream=True,
    )
    plans = (
        AccessPlan(
            "AP01",
            "Get a customer by id",
            "read",
            True,
            (PlanStep("GetItem", "AppData", key={"PK": "CUSTOMER#{:customer_id}", "SK": "PROFILE"}),),
            1,
            0.5,
            0,
        ),
        AccessPlan(
            "AP02",
            "Log in by email",
            "read",
            True,
            (
                PlanStep(
                    "Query",
                    "AppData",
                    index="GSI1",
                    key_condition="GSI1PK = :pk",
                    values={":pk": "EMAIL#{:email}"},
                ),
            ),
            1,
            0.5,
            0,
        ),
        AccessPlan(
            "AP03",
            "A customer's latest orders",
            "read",
            True,
            (
                PlanStep(
                    "Query",
                    "AppData",
                    key_condition="PK = :pk AND begins_with(SK, :prefix)",
                    values={":pk": "CUSTOMER#{:customer_id}", ":prefix": "ORDER#"},
                    scan_forward=False,
                    limit=20,
                ),
            ),
            6.34,
            0.5,
            0,
        ),
        AccessPlan(
            "AP04",
            "Open orders queue | oldest first",
            "read",
            True,
            (
                PlanStep(
                    "Query",
                    "AppData",
                    index="GSI1",
                    key_condition="GSI1PK = :pk",
                    values={":pk": "STATUS#open"},
                ),
            ),
            120,
            2.5,
            0,
        ),
    )
    decisions = (
        _decision(
            "TABLE_STRUCTURE",
            "AppData",
            "customers and their orders in one item collection",
            patterns=("AP01", "AP03"),
        ),
        _decision("GSI_DESIGN", "GSI1", "one overloaded GSI for email and status", patterns=("AP02", "AP04")),
    )
    warnings = (
        DesignWarning(
            "debugging_complexity",
            "Warning: Composite keys and denormalized data will increase debugging difficulty. "
            "Ensure adequate logging/monitoring.",
            "AppData uses generic PK/SK with entity prefixes",
            "AppData",
        ),
    )
    return DataModel(
        application="shop",
        strategy="single-table",
        billing="provisioned",
        source_dialect="postgresql",
        tables=(app,),
        plans=plans,
        decisions=decisions,
        warnings=warnings,
        cost=None,
        partitions=(),
    )
