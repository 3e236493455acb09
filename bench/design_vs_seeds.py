"""Benchmark: sql2dynamo's designs beside the hand-made designs they come from, priced at the same rates.

Issue 15 ("designs a DynamoDB specialist would sign").  For every shipped
example that has a hand design -- AlgoItny (at the AlgoItny design guide's
traffic, 1,000 daily active users, and at the AlgoItny implementation
summary's, 100,000, which the example's rates already match), Hustle Hub and
Decision Data -- and for both strategies, it prints the tables, the GSIs, the
calls per pattern, and the on-demand and provisioned $/month; beside them the
same figures of the committed golden models (``tests/design/golden``, the
"before") and of the hand design re-priced at the same rates with the same
rules.  The hand designs' per-pattern operations are written out below, each
citing the section of the document it comes from, and priced by the arithmetic
in this script (request units from :mod:`sql2dynamo.design.capacity`, prices
from the shipped price table).  It asserts nothing; the targets are printed
with the figures.

    .venv/bin/python bench/design_vs_seeds.py [--rows 60] [--explain]

Storage is left out of every figure: the inputs are 60 generated rows per
table (the golden tests' sample), so it is a fraction of a cent everywhere.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.design.capacity import read_units, write_units
from sql2dynamo.design.engine.build import DesignOptions, build_model
from sql2dynamo.design.finalize import finalize
from sql2dynamo.design.inputs import load_inputs, resolve_patterns
from sql2dynamo.design.model import DataModel, model_from_dict
from sql2dynamo.design.pricing import DEFAULT_TARGET_UTILIZATION, HOURS_PER_MONTH, SECONDS_PER_MONTH, load_pricing
from sql2dynamo.examples import get_example
from sql2dynamo.source.model import Schema
from sql2dynamo.workload.patterns.model import PatternsFile, Rps

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = "tests/design/golden"
STRATEGIES = ("multi-table", "single-table")
PRICES = load_pricing()

# ------------------------------------------------------------------ the hand designs, pattern by pattern


@dataclass(frozen=True)
class Part:
    """Request units one call spends on one capacity pool (a table or one of its GSIs)."""

    pool: str
    rru: float = 0.0
    wru: float = 0.0


@dataclass(frozen=True)
class HandPlan:
    """How the hand design serves one pattern: its calls, the units they spend, and where that is written."""

    pattern: str
    calls: int
    parts: tuple[Part, ...]
    how: str


def get(pool: str, size: int, *, strong: bool = False, items: float = 1) -> Part:
    """A GetItem (or ``items`` separate GetItems of a BatchGetItem): each item rounded up to 4 KB."""
    return Part(pool, rru=items * read_units(size, strong=strong))


def query(pool: str, size: int, items: float, *, strong: bool = False) -> Part:
    """A Query reading ``items`` items of ``size`` bytes: the sum rounded up to 4 KB (GSIs: eventual only)."""
    return Part(pool, rru=read_units(items * size, strong=strong and "#" not in pool))


def put(pool: str, size: int, share: float = 1.0, writes: int = 1) -> Part:
    """``writes`` writes of one item of ``size`` bytes, for the ``share`` of items that carry the pool's key."""
    return Part(pool, wru=writes * share * write_units(size))


def algoitny_hand(sizes: dict[str, int], items: dict[str, float], schema: Schema) -> tuple[str, list[HandPlan]]:
    """The AlgoItny implementation summary's single table, with the design guide's paths where it names none.

    The implementation summary ("Design Highlights") keeps one table, ``algoitny_main``, with two GSIs:
    GSI1 (authentication: ``EMAIL#`` and the Google id, ALL projection) and GSI2 (the public timeline,
    ``PUBLIC`` + time, KEYS_ONLY); usage logs live under ``USR#<user>#ULOG#<date>`` with no GSI.  The
    keys of problems, test cases and history are the design guide's ("Primary Key Structure":
    ``PROBLEM#{platform}#{id}`` / ``METADATA`` and ``TESTCASE#``, history under ``USER#{id}``), and the
    paths the summary does not name use the design guide's GSIs ("GSIs": GSI1 platform/public,
    GSI2 completed/status, GSI3 language/task id), priced as a third pool ``main#guide``.
    """
    u, pl, pr, tc, sh, ul, jb = (
        sizes[t]
        for t in (
            "users",
            "subscription_plans",
            "problems",
            "test_cases",
            "search_history",
            "usage_logs",
            "script_generation_jobs",
        )
    )
    m, g1, g2, gg = "main", "main#GSI1", "main#GSI2", "main#guide"
    n = items
    stats = schema.table("search_history").column("language").stats
    languages = stats.distinct_estimate if stats and stats.distinct_estimate else 1
    return "AlgoItny implementation summary (1 table, 2 GSIs) + design guide paths", [
        HandPlan("AP01", 1, (query(g1, u, 1),), "summary, User Authentication (GSI1): EMAIL# Query, ALL projection"),
        HandPlan("AP02", 1, (query(g1, u, 1),), "summary, UserRepository 4: Google id on GSI1"),
        HandPlan("AP03", 1, (get(m, u),), "summary, UserRepository 2: GetItem USR#<id>"),
        HandPlan(
            "AP04",
            1,
            (put(m, u, writes=2), put(g1, u)),
            "summary: put the user (with an e-mail guard item, 2 writes) + GSI1 entry",
        ),
        HandPlan("AP05", 1, (put(m, u), put(g1, u)), "UpdateItem by id; GSI1 (ALL) rewrites its copy"),
        HandPlan("AP06", 1, (query(gg, u, n["AP06"]),), "design guide, Users GSI2 plan membership"),
        HandPlan("AP07", 1, (query(gg, pl, n["AP07"]),), "design guide, Plans GSI1 active plans"),
        HandPlan("AP08", 1, (get(m, pl),), "GetItem on the plan item"),
        HandPlan("AP09", 1, (get(m, pr),), "summary, ProblemRepository 2: GetItem PROBLEM#{platform}#{id}"),
        HandPlan(
            "AP10",
            1,
            (query(m, (pr + tc * int(n["AP11"])) // (1 + int(n["AP11"])), 1 + n["AP11"]),),
            "design guide, Hierarchical: problem + test cases in one Query",
        ),
        HandPlan("AP11", 1, (query(m, tc, n["AP11"]),), "summary, ProblemRepository 7: Query TESTCASE#"),
        HandPlan("AP12", 1, (query(gg, pr, n["AP12"]),), "design guide GSI2 completed + time"),
        HandPlan("AP13", 1, (query(gg, pr, n["AP13"]),), "design guide GSI1 platform + time"),
        HandPlan("AP14", 0, (), "design guide, full-text search: OpenSearch (not DynamoDB)"),
        HandPlan("AP15", 1, (put(m, pr), put(gg, pr, writes=2)), "put METADATA + guide GSI1 and GSI2 entries"),
        HandPlan("AP16", 1, (put(m, tc),), "put a TESTCASE# item"),
        HandPlan("AP17", 1, (put(m, pr), put(gg, pr, writes=2)), "UpdateItem; guide GSI2 key changes (2 writes)"),
        HandPlan("AP18", 1, (put(m, pr), put(gg, pr, writes=2)), "UpdateItem; both guide GSIs rewrite"),
        HandPlan("AP19", 1, (put(m, sh), put(g2, sh, share=0.5)), "put HISTORY# + GSI2 (KEYS_ONLY, public half)"),
        HandPlan("AP20", 1, (query(m, sh, n["AP20"]),), "design guide, Timeline: USER#{id} HISTORY# Query"),
        HandPlan(
            "AP21",
            2,
            (query(g2, 60, n["AP21"]), get(m, sh, items=n["AP21"])),
            "summary, Public History Timeline: GSI2 KEYS_ONLY Query + BatchGetItem of the page",
        ),
        HandPlan(
            "AP22",
            2,
            (query(g2, 60, n["AP22"] * languages), get(m, sh, items=n["AP22"] * languages)),
            f"summary, search_by_language: GSI2 page + BatchGetItem, language kept client-side "
            f"({languages} languages: {languages} x the page read)",
        ),
        HandPlan("AP23", 1, (get(m, sh),), "summary, SearchHistoryRepository 2: GetItem by history id"),
        HandPlan("AP24", 1, (put(m, sh), put(g2, sh, writes=2, share=0.5)), "UpdateItem; GSI2 key appears/goes"),
        HandPlan(
            "AP25",
            1,
            (put(m, sh),),
            "summary, SearchHistoryRepository 3: UpdateItem hints; GSI2 is "
            "KEYS_ONLY, so an update of hints does not touch it",
        ),
        HandPlan("AP26", 1, (query(m, sh, n["AP26"]),), "summary, count_user_history: Query Select=COUNT"),
        HandPlan(
            "AP27",
            1,
            (query(m, ul, n["AP27"], strong=True),),
            "summary, Rate Limiting Hot Path: USR#<id>#ULOG#<date> COUNT Query, strong, no GSI",
        ),
        HandPlan("AP28", 1, (put(m, ul),), "summary, UsageLogRepository 1: put one ULOG# item"),
        HandPlan("AP29", 0, (), "design guide, Why TTL on UsageLog: 90-day TTL, no writes"),
        HandPlan("AP30", 1, (put(m, jb), put(gg, jb, writes=2)), "put JOB# + guide GSI2 status, GSI3 task id"),
        HandPlan("AP31", 1, (query(gg, jb, 1),), "design guide GSI3 task id"),
        HandPlan("AP32", 1, (query(gg, jb, n["AP32"]),), "design guide GSI2 status + time"),
        HandPlan(
            "AP33",
            2,
            (query(gg, jb, 1), put(m, jb), put(gg, jb, writes=3)),
            "find by task id on guide GSI3, UpdateItem; GSI2 key changes (2) + GSI3 (1)",
        ),
    ]


def hustle_hub_hand(sizes: dict[str, int], items: dict[str, float], schema: Schema) -> tuple[str, list[HandPlan]]:
    """The Hustle Hub design guide's single table (``HustleHubDirectory``).

    "Naming Conventions": ``ENTITY_TYPE#<identifier>`` partition keys, ``METADATA#`` / ``RELATION#``
    sort keys, ``SlugMapping`` items; "Primary Access Patterns": user by Cognito sub, categories
    sorted, category and listing by id or slug, listings by category, favourites of a user.  One
    GSI (``GSI1``) lists categories and listings; strong reads where "Data Consistency Rules" say so.
    """
    u, c, li, fv, sl = (sizes[t] for t in ("users", "categories", "listings", "favourites", "listing_slug_history"))
    m, g1 = "HustleHubDirectory", "HustleHubDirectory#GSI1"
    n = items
    slug = 40  # a SlugMapping item: PK, SK and the id it points to
    return "Hustle Hub design guide (1 table, 1 GSI)", [
        HandPlan("AP01", 1, (put(m, u), put(m, slug)), "Step 3, User Management: put USER#<sub> + e-mail guard"),
        HandPlan("AP02", 1, (get(m, u, strong=True),), "Step 3: fetch user by Cognito sub, strong (user profiles)"),
        HandPlan("AP03", 1, (get(m, u, strong=True),), "Step 3: check admin status on the user item"),
        HandPlan("AP04", 1, (put(m, u),), "UpdateItem USER#<sub>"),
        HandPlan("AP05", 2, (get(m, slug, strong=True), get(m, u, strong=True)), "e-mail mapping item, then user"),
        HandPlan("AP06", 1, (query(g1, c, n["AP06"]),), "Step 3, Category Management: list sorted (GSI1)"),
        HandPlan("AP07", 2, (get(m, slug), get(m, c)), "SlugMapping item, then the category"),
        HandPlan("AP08", 1, (get(m, c),), "GetItem CATEGORY#<id>"),
        HandPlan("AP09", 1, (put(m, c, writes=2), put(g1, c)), "admin CRUD: category + slug mapping + GSI1"),
        HandPlan("AP10", 1, (put(m, c, writes=2), put(g1, c)), "admin update, slug mapping rewritten"),
        HandPlan("AP11", 1, (put(m, c, writes=2), put(g1, c)), "admin delete, slug mapping deleted"),
        HandPlan("AP12", 2, (get(m, slug), get(m, li)), "Step 3, Listing Management: slug mapping, then listing"),
        HandPlan("AP13", 1, (get(m, li, strong=True),), "GetItem LISTING#<id>"),
        HandPlan("AP14", 1, (query(g1, li, n["AP14"]),), "Step 3: list listings by category (GSI1)"),
        HandPlan("AP15", 1, (query(g1, li, n["AP15"]),), "Filtering Strategy: by category, the rest client-side"),
        HandPlan("AP16", 1, (query(g1, li, n["AP16"]),), "Filtering Strategy: by category, the rest client-side"),
        HandPlan("AP17", 1, (put(m, li, writes=2), put(g1, li)), "admin create: listing + slug mapping + GSI1"),
        HandPlan("AP18", 1, (put(m, li, writes=2), put(g1, li, writes=2)), "admin update with a new slug"),
        HandPlan("AP19", 1, (put(m, sl),), "put the old slug's mapping"),
        HandPlan("AP20", 1, (put(m, li, writes=2), put(g1, li)), "admin delete: listing + slug mapping"),
        HandPlan("AP21", 1, (put(m, fv),), "Favourites Management: put RELATION#<listing> under USER#<sub>"),
        HandPlan("AP22", 1, (put(m, fv),), "delete the RELATION# item"),
        HandPlan("AP23", 1, (query(m, fv, n["AP23"], strong=True),), "Query RELATION# of USER#<sub>"),
        HandPlan("AP24", 1, (get(m, fv, strong=True),), "check if favourited: GetItem"),
    ]


def decision_data_hand(sizes: dict[str, int], items: dict[str, float], schema: Schema) -> tuple[str, list[HandPlan]]:
    """The Decision Data migration guide's two tables ("Implementation Details", 1. DynamoDB Tables Created).

    ``panzoto-users`` keyed by ``user_id`` with ``email-index``; ``panzoto-audio-files`` keyed by
    ``file_id`` with ``user-files-index`` (``user_id`` + ``uploaded_at``); both GSIs with the default
    ALL projection; registration checks the e-mail on the index first ("Authentication Flow").
    """
    u, a = sizes["users"], sizes["audio_files"]
    n = items
    return "Decision Data migration guide (2 tables, 2 GSIs)", [
        HandPlan("AP01", 1, (query("users#email-index", u, 1),), "Authentication Flow: e-mail on email-index"),
        HandPlan(
            "AP02",
            2,
            (query("users#email-index", u, 1), put("users", u), put("users#email-index", u)),
            "Registration: check the e-mail, then put the user (+ index entry)",
        ),
        HandPlan("AP03", 1, (query("users#email-index", u, 1),), "Login: verify e-mail/password on email-index"),
        HandPlan("AP04", 1, (get("users", u),), "GetItem by user_id"),
        HandPlan("AP05", 1, (query("audio#user-files-index", a, n["AP05"]),), "GET /api/user/audio-files"),
        HandPlan("AP06", 1, (put("audio", a), put("audio#user-files-index", a)), "POST /api/audio-file"),
        HandPlan("AP07", 1, (get("audio", a, strong=True),), "GET /api/audio-file/{file_id}"),
        HandPlan("AP08", 1, (put("audio", a), put("audio#user-files-index", a)), "DELETE /api/audio-file/{file_id}"),
    ]


HAND = {"algoitny": algoitny_hand, "hustle_hub": hustle_hub_hand, "decision_data": decision_data_hand}

# ------------------------------------------------------------------ pricing


@dataclass(frozen=True)
class Figures:
    """What the report prints for one design."""

    tables: int
    gsis: int
    calls: dict[str, int]
    on_demand: Decimal
    provisioned: Decimal


def _money(rru: Decimal, wru: Decimal) -> Decimal:
    per_month = SECONDS_PER_MONTH / Decimal(1_000_000)
    return rru * per_month * PRICES.on_demand_read_per_million + wru * per_month * PRICES.on_demand_write_per_million


def _provisioned(rru_peak: Decimal, wru_peak: Decimal) -> Decimal:
    util = Decimal(str(DEFAULT_TARGET_UTILIZATION))
    rcu = max(1, math.ceil(rru_peak / util))
    wcu = max(1, math.ceil(wru_peak / util))
    return (rcu * PRICES.provisioned_rcu_hour + wcu * PRICES.provisioned_wcu_hour) * HOURS_PER_MONTH


def hand_figures(plans: Sequence[HandPlan], patterns: PatternsFile) -> Figures:
    """On-demand at average rates; provisioned per pool at peak / 70 % (the engine's rules, no storage)."""
    rates = {p.id: p.rps for p in patterns.patterns}
    pools: dict[str, list[Decimal]] = {}
    for plan in plans:
        rps = rates[plan.pattern]
        assert rps is not None and rps.avg is not None
        avg, peak = Decimal(str(rps.avg)), Decimal(str(rps.peak if rps.peak is not None else rps.avg))
        for part in plan.parts:
            load = pools.setdefault(part.pool, [Decimal(0)] * 4)
            r, w = Decimal(str(part.rru)), Decimal(str(part.wru))
            load[0] += r * avg
            load[1] += w * avg
            load[2] += r * peak
            load[3] += w * peak
    on_demand = sum((_money(p[0], p[1]) for p in pools.values()), Decimal(0))
    provisioned = sum((_provisioned(p[2], p[3]) for p in pools.values()), Decimal(0))
    tables = {pool.split("#")[0] for pool in pools}
    return Figures(len(tables), len(pools) - len(tables), {p.pattern: p.calls for p in plans}, on_demand, provisioned)


def model_figures(model: DataModel) -> Figures:
    """The figures of a finalized model, storage taken out (see the module docstring)."""
    assert model.cost is not None
    storage = sum(Decimal(str(t.storage_monthly)) for t in model.cost.tables)
    return Figures(
        len(model.tables),
        sum(len(t.indexes) for t in model.tables),
        {p.pattern_id: len(p.steps) for p in model.plans},
        Decimal(str(model.cost.total_on_demand_monthly)) - storage,
        Decimal(str(model.cost.total_provisioned_monthly)) - storage,
    )


# ------------------------------------------------------------------ inputs


def analyzed(name: str, directory: Path, rows: int) -> Path:
    """The example's generated rows in SQLite, analyzed into ``schema.json``, with its patterns beside it."""
    example = get_example(name)
    directory.mkdir(parents=True, exist_ok=True)
    source = f"sqlite:///{directory / 'source.sqlite'}"
    engine = sa.create_engine(source)
    example.generate(engine, rows)
    engine.dispose()
    analyze(source, out_dir=directory, reporter=RecordingReporter())
    (directory / "access_patterns.yaml").write_text(
        example.access_patterns.read_text(encoding="utf-8"), encoding="utf-8"
    )
    return directory


def scaled(patterns: PatternsFile, factor: float) -> PatternsFile:
    """Every rate times ``factor`` (the design guide prices 1,000 DAU where the example has 100,000)."""
    if factor == 1.0:
        return patterns
    out = []
    for p in patterns.patterns:
        rps = p.rps
        if rps is not None and rps.avg is not None:
            rps = Rps(avg=rps.avg * factor, peak=rps.peak * factor if rps.peak is not None else None)
        out.append(replace(p, rps=rps))
    return replace(patterns, patterns=tuple(out))


def designed(schema: Schema, patterns: PatternsFile, strategy: str) -> DataModel:
    """The engine's model, finalized (the ``design`` command without its documents)."""
    resolved = resolve_patterns(schema, patterns)
    options = DesignOptions(strategy=strategy)  # type: ignore[arg-type]
    return finalize(build_model(schema, patterns, resolved, options), schema, patterns, resolved)


def golden(schema: Schema, patterns: PatternsFile, example: str, strategy: str) -> DataModel:
    """The committed golden model (git HEAD), re-priced at ``patterns``' rates with today's rules."""
    path = f"{GOLDEN}/{example}/{strategy}/data_model.json"
    text = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=ROOT, capture_output=True, text=True, check=True)
    model = model_from_dict(json.loads(text.stdout))
    return finalize(model, schema, patterns, resolve_patterns(schema, patterns))


def query_items(model: DataModel) -> dict[str, float]:
    """Items each pattern's plan reads, from the multi-table model (the hand designs read the same rows)."""
    return {p.pattern_id: p.expected_items for p in model.plans}


def item_sizes(model: DataModel) -> dict[str, int]:
    """Bytes of each source table's item, from the multi-table model's entity tables."""
    return {t.name: t.estimated_item_size_bytes for t in model.tables if t.role == "entity"}


# ------------------------------------------------------------------ report


# What each document itself says its design costs (quoted, not recomputed: their rates and rules differ).
CLAIMS = {
    (
        "algoitny",
        0.01,
    ): "the AlgoItny design guide, Cost Comparison, Proposed DynamoDB (1000 DAU): ~$132/month (provisioned)",
    (
        "algoitny",
        1.0,
    ): "the AlgoItny implementation summary, Cost Analysis, For 100K Daily Active Users: $183.25/month",
    ("hustle_hub", 1.0): "the Hustle Hub design guide gives no figure (Cost Optimization: on-demand billing)",
    ("decision_data", 1.0): "the Decision Data migration guide, Architecture Changes, After: DynamoDB: $1-5/month",
}


def report(
    label: str, schema: Schema, patterns: PatternsFile, example: str, factor: float, explain: bool
) -> dict[str, Figures]:
    """Print one example's table and return its figures by column name."""
    cols: dict[str, Figures] = {}
    models: dict[str, DataModel] = {}
    for strategy in STRATEGIES:
        cols[f"before {strategy}"] = model_figures(golden(schema, patterns, example, strategy))
        models[strategy] = designed(schema, patterns, strategy)
        cols[f"after {strategy}"] = model_figures(models[strategy])
    hand_name, hand_plans = HAND[example](item_sizes(models["multi-table"]), query_items(models["multi-table"]), schema)
    cols["hand"] = hand_figures(hand_plans, patterns)
    print(f"\n== {label}\n   hand design: {hand_name}\n   its own figure: {CLAIMS[(example, factor)]}")
    if explain:
        for hp in hand_plans:
            units = ", ".join(f"{p.pool} {p.rru:g} RRU {p.wru:g} WRU" for p in hp.parts) or "no request"
            print(f"     hand {hp.pattern}: {hp.calls} call(s): {units}  [{hp.how}]")
    names = list(cols)
    print("   " + f"{'':16}" + "".join(f"{n:>22}" for n in names))
    print("   " + f"{'tables':16}" + "".join(f"{cols[n].tables:>22}" for n in names))
    print("   " + f"{'GSIs':16}" + "".join(f"{cols[n].gsis:>22}" for n in names))
    print("   " + f"{'on-demand $/mo':16}" + "".join(f"{cols[n].on_demand:>22,.2f}" for n in names))
    print("   " + f"{'provisioned $/mo':16}" + "".join(f"{cols[n].provisioned:>22,.2f}" for n in names))
    print("   calls per pattern (before multi / after multi / before single / after single / hand):")
    line = []
    for pid in (p.id for p in patterns.patterns):
        c = [
            cols[n].calls.get(pid, 0)
            for n in ("before multi-table", "after multi-table", "before single-table", "after single-table", "hand")
        ]
        line.append(f"{pid} {'/'.join(map(str, c))}")
    for i in range(0, len(line), 6):
        print("     " + "   ".join(line[i : i + 6]))
    return cols


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60, help="generated rows per table (the goldens use 60)")
    parser.add_argument("--explain", action="store_true", help="print the hand designs' units per pattern")
    args = parser.parse_args()
    print(f"prices: {PRICES.describe()}; storage left out (see the docstring)")
    runs = (
        ("algoitny", "AlgoItny at the design guide's traffic (1,000 DAU: the example's rates / 100)", 0.01),
        ("algoitny", "AlgoItny at the implementation summary's traffic (100,000 DAU: the example's rates)", 1.0),
        ("hustle_hub", "Hustle Hub (the example's rates)", 1.0),
        ("decision_data", "Decision Data (the example's rates)", 1.0),
    )
    results: dict[str, dict[str, Figures]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {name: analyzed(name, Path(tmp) / name, args.rows) for name in {r[0] for r in runs}}
        for example, label, factor in runs:
            schema, patterns = load_inputs(inputs[example] / "schema.json", inputs[example] / "access_patterns.yaml")
            results[label] = report(label, schema, scaled(patterns, factor), example, factor, args.explain)
    print("\ntargets (issue 15):")
    big = results[runs[1][1]]
    print(
        f"  AlgoItny 100k DAU: after multi {big['after multi-table'].on_demand:,.2f}, after single "
        f"{big['after single-table'].on_demand:,.2f} vs hand {big['hand'].on_demand:,.2f} on-demand $/month "
        "(target: no more than the hand design)"
    )
    print(
        f"  AP01 calls: multi {big['after multi-table'].calls['AP01']}, single "
        f"{big['after single-table'].calls['AP01']} (target 1); AP10 calls single "
        f"{big['after single-table'].calls['AP10']} (target 1)"
    )
    for label, cols in results.items():
        single, multi = cols["after single-table"].on_demand, cols["after multi-table"].on_demand
        print(
            f"  single <= multi on-demand: {'yes' if single <= multi else 'NO '} ({single:,.2f} vs {multi:,.2f}) "
            f"{label.split(' (')[0]}"
        )


if __name__ == "__main__":
    main()
