"""Reading source tables in key-range segments, on real SQLite, PostgreSQL and MariaDB.

Every check compares the reader with the server itself: the rows of all
segments, concatenated, must equal ``SELECT * ... ORDER BY <primary key>``
as the server orders it (collations included), so a row read twice, skipped
or out of order fails.  Tables are small, so the budgets are shrunk to make
them "big": ``EXACT`` plans from a full key scan, ``SAMPLED`` forces each
dialect's bounded-cost method (TABLESAMPLE, rowid seeks, leading-column probes).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.common.errors import InputError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.migrate import keysample, planning
from sql2dynamo.migrate import segments as seg
from sql2dynamo.migrate.planning import SegmentBudget, plan_segments, segment_plan
from sql2dynamo.migrate.reader import read_segment, read_table
from sql2dynamo.migrate.segments import Checkpoint, Segment, decode_key, encode_key, key_of
from sql2dynamo.source.connect import Source, open_source
from sql2dynamo.source.introspect import introspect
from sql2dynamo.source.model import Column, Table, TableStats
from tests.helpers.databases import empty_database

EXACT = SegmentBudget(min_segment_rows=1)
SAMPLED = SegmentBudget(min_segment_rows=1, scan_keys=0, probes=200, sample_keys=2000)
BUDGETS = {"exact": EXACT, "sampled": SAMPLED}
SAMPLED_METHOD = {"sqlite": {"rowid", "probe"}, "postgresql": {"tablesample"}, "mysql": {"probe"}}

Row = dict[str, Any]


# --- helpers ------------------------------------------------------------------------------------


_server_rows: dict[tuple[str, str], list[Row]] = {}


def server_rows(source: Source, table: Table) -> list[Row]:
    """``SELECT *`` in primary-key order, built with SQLAlchemy's own quoting, not the reader's."""
    cache = (source.display_url, table.name)
    if cache not in _server_rows:
        t = sa.table(table.name, *[sa.column(c.name) for c in table.columns], schema=table.schema)
        stmt: sa.Select[Any] = (
            sa.select(sa.literal_column("*")).select_from(t).order_by(*[t.c[k] for k in table.primary_key])
        )
        with source.engine.connect() as conn:
            _server_rows[cache] = [dict(r) for r in conn.execute(stmt).mappings()]
    return _server_rows[cache]


def read_all(source: Source, table: Table, segments: Sequence[Segment], batch_size: int) -> list[list[Row]]:
    """Each segment's rows, batches flattened."""
    return [[row for batch in read_segment(source, table, s, batch_size=batch_size) for row in batch] for s in segments]


def assert_partition(segments: Sequence[Segment], table: Table) -> None:
    """Unbounded at both ends, each upper bound the next lower bound: no gap, no overlap."""
    assert segments[0].lower is None and segments[-1].upper is None
    assert [s.index for s in segments] == list(range(len(segments)))
    assert all(s.table == table.name for s in segments)
    for a, b in itertools.pairwise(segments):
        assert a.upper is not None and a.upper == b.lower


def assert_reads_exactly(source: Source, table: Table, segments: Sequence[Segment], batch_size: int) -> list[int]:
    """Every row once, in key order, each segment starting at its bound; the segments' sizes."""
    assert_partition(segments, table)
    per_segment = read_all(source, table, segments, batch_size)
    assert all(per_segment), [len(rows) for rows in per_segment]  # boundaries are real keys: no empty segment
    for s, rows in zip(segments, per_segment, strict=True):
        if s.lower is not None:
            assert key_of(table, rows[0]) == s.lower  # each segment starts at its lower bound
    assert [row for rows in per_segment for row in rows] == server_rows(source, table)
    return [len(rows) for rows in per_segment]


def exact_stats(source: Source, table: Table) -> Table:
    """``table`` with its exact row count, as analyze records it for a small table."""
    (count,) = server_count(source, table)
    return replace(table, stats=TableStats(count, True, None, None, 0, "full"))


def server_count(source: Source, table: Table) -> tuple[int]:
    t = sa.table(table.name, schema=table.schema)
    with source.engine.connect() as conn:
        return (int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()),)


def resume_exactly(source: Source, table: Table, segment: Segment, batch_size: int, stop_after: int) -> None:
    """Read ``stop_after`` batches, checkpoint through JSON, resume: the union is the whole segment, once."""
    whole = [row for batch in read_segment(source, table, segment, batch_size=batch_size) for row in batch]
    checkpoint = Checkpoint(table.name, segment.index, None, 0)
    first: list[Row] = []
    for i, batch in enumerate(read_segment(source, table, segment, batch_size=batch_size)):
        first.extend(batch)
        checkpoint = checkpoint.advanced(batch, table.primary_key)
        if i + 1 == stop_after:
            break
    restored = Checkpoint.from_json(json.loads(json.dumps(checkpoint.to_json())))
    assert restored == checkpoint and restored.rows_read == len(first)
    rest = [row for b in read_segment(source, table, segment, after=restored.after, batch_size=batch_size) for row in b]
    assert first + rest == whole
    assert 0 < len(first) < len(whole)


# --- Chinook --------------------------------------------------------------------------------------

_chinook: dict[tuple[str, str], tuple[Source, Table]] = {}


def chinook_table(url: str, name: str) -> tuple[Source, Table]:
    """``name`` (``invoiceline``, ``playlisttrack``) in that database's own spelling, with exact stats."""
    if (url, name) not in _chinook:
        source = open_source(url)
        schema = introspect(source, reporter=RecordingReporter(), with_stats=False)
        table = next(t for t in schema.tables if t.name.replace("_", "").lower() == name)
        _chinook[url, name] = (source, exact_stats(source, table))
    return _chinook[url, name]


@pytest.mark.parametrize(
    ("count", "budget"), [(1, "exact"), (3, "exact"), (8, "exact"), (3, "sampled"), (8, "sampled")]
)
@pytest.mark.parametrize(("name", "rows"), [("invoiceline", 2240), ("playlisttrack", 8715)])
def test_chinook_segments_read_every_row_once(chinook_url: str, name: str, rows: int, count: int, budget: str) -> None:
    source, table = chinook_table(chinook_url, name)
    plan = segment_plan(source, table, count, budget=BUDGETS[budget])
    if budget == "exact" or count == 1:
        assert len(plan.segments) == count
    else:  # a sample may hold too few distinct keys for every boundary (PlaylistTrack has 18 playlists)
        assert 2 <= len(plan.segments) <= count
        assert plan.method in SAMPLED_METHOD[source.dialect.name]
    sizes = assert_reads_exactly(source, table, plan.segments, batch_size=700)
    assert sum(sizes) == rows
    if budget == "exact":  # exact quantiles: sizes differ by at most one row
        assert max(sizes) - min(sizes) <= 1


def test_chinook_resume_from_a_checkpoint(chinook_url: str) -> None:
    source, table = chinook_table(chinook_url, "playlisttrack")
    segments = plan_segments(source, table, 3, budget=EXACT)
    resume_exactly(source, table, segments[1], batch_size=250, stop_after=3)
    # A checkpoint at the very end reads nothing more.
    last = read_all(source, table, segments[2:], 5000)[0][-1]
    assert list(read_segment(source, table, segments[2], after=key_of(table, last))) == []


@pytest.mark.parametrize(("first", "sizes"), [(100, [100, 300, 300]), (300, [300, 300, 300]), (1000, [300, 300, 300])])
def test_chinook_small_first_batch(chinook_url: str, first: int, sizes: list[int]) -> None:
    source, table = chinook_table(chinook_url, "invoiceline")
    (whole,) = plan_segments(source, table, 1)
    batches = list(read_segment(source, table, whole, batch_size=300, first_batch_size=first))
    assert [len(b) for b in batches[:3]] == sizes
    assert [row for b in batches for row in b] == server_rows(source, table)


def test_chinook_segments_in_parallel_threads(chinook_url: str) -> None:
    source, table = chinook_table(chinook_url, "playlisttrack")
    segments = plan_segments(source, table, 8, budget=EXACT)

    def one(s: Segment) -> list[Row]:
        return [row for batch in read_segment(source, table, s, batch_size=300) for row in batch]

    with ThreadPoolExecutor(max_workers=4) as pool:
        parts = list(pool.map(one, segments))
    assert [row for rows in parts for row in rows] == server_rows(source, table)


def test_chinook_columns_and_one_connection(chinook_url: str) -> None:
    source, table = chinook_table(chinook_url, "invoiceline")
    wanted = [c.name for c in table.columns if c.name.lower().replace("_", "") == "unitprice"]
    with source.engine.connect() as conn:
        batches = list(read_table(source, table, segments=3, columns=wanted, connection=conn, budget=EXACT))
    rows = [row for batch in batches for row in batch]
    assert all(len(b) <= 1000 for b in batches)
    assert all(list(row) == [*wanted, *table.primary_key] for row in rows)
    expected = [{k: r[k] for k in (*wanted, *table.primary_key)} for r in server_rows(source, table)]
    assert rows == expected


# --- odd identifiers and key types, in a scratch database per server ---------------------------------

ODD = "Order Items"
ODD_COLUMNS = ("Order Id", "select", 'Qty "x"', "MixedCase", "a:b", "100%")
WORDS = ("Zebra", "apple", "Éclair", "naïve", "日本語", "ZZ top", "straße", "Ölfeld", "b", "B2", "Ωmega", "über")
N = 400


def _metadata(dialect: str) -> sa.MetaData:
    md = sa.MetaData()
    # SQLite stores the composite and string keys WITHOUT ROWID, so its probe method runs too.
    no_rowid: dict[str, Any] = {"sqlite_with_rowid": False}
    sa.Table(
        ODD,
        md,
        sa.Column("Order Id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("select", sa.String(40), primary_key=True),
        sa.Column('Qty "x"', sa.Integer),
        sa.Column("MixedCase", sa.String(20)),
        sa.Column("a:b", sa.Integer),
        sa.Column("100%", sa.String(10)),
    )
    sa.Table(
        "k_int", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False), sa.Column("v", sa.Integer)
    )
    sa.Table("k_str", md, sa.Column("code", sa.String(40), primary_key=True), sa.Column("v", sa.Integer), **no_rowid)
    sa.Table(
        "k_composite",
        md,
        sa.Column("grp", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("v", sa.Integer),
        **no_rowid,
    )
    uuid_type = sa.Uuid(as_uuid=False).with_variant(sa.CHAR(36), "mysql", "sqlite")
    sa.Table("k_uuid", md, sa.Column("id", uuid_type, primary_key=True), sa.Column("v", sa.Integer))
    sa.Table(
        "k_datetime",
        md,
        sa.Column("created_at", sa.DateTime, primary_key=True),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("amount", sa.Numeric(10, 2)),
    )
    sa.Table("snap", md, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False))
    return md


def _rows() -> dict[str, list[Row]]:
    rng = random.Random(11)
    epoch = dt.datetime(2024, 3, 1, 12, 0, 0)
    return {
        ODD: [
            {
                "Order Id": i // 3,
                "select": f"{WORDS[i % len(WORDS)]}-{i:04d}",
                'Qty "x"': i,
                "MixedCase": f"m{i}",
                "a:b": i * 2,
                "100%": f"{i}%",
            }
            for i in range(N)
        ],
        # Sparse ids with a big hole: probes that fall in it must weigh nothing.
        "k_int": [{"id": i * 3 if i < N // 2 else 1_000_000 + i, "v": i} for i in range(N)],
        "k_str": [{"code": f"{WORDS[i % len(WORDS)]}-{rng.randrange(10**6):06d}-{i}", "v": i} for i in range(N)],
        # Skewed: group 0 holds half the rows.
        "k_composite": [{"grp": 0 if i % 2 else i % 9, "name": f"{WORDS[i % 5]} {i:04d}", "v": i} for i in range(N)],
        "k_uuid": [{"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "v": i} for i in range(N)],
        "k_datetime": [
            {"created_at": epoch + dt.timedelta(minutes=7 * (i // 2)), "id": i, "amount": Decimal(i) / 4}
            for i in range(N)
        ],
        "snap": [{"id": i} for i in range(1, 101)],
    }


@dataclass(frozen=True)
class Scratch:
    dialect: str
    url: str
    source: Source
    tables: dict[str, Table]

    def table(self, name: str) -> Table:
        return self.tables[name]


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def scratch(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    """The odd-identifier and key-type tables plus AlgoItny (2,000 users, 20,000 usage logs)."""
    dialect = str(request.param)
    url = empty_database(request, dialect, tmp_path_factory.mktemp("reader"), "reader")
    writer = sa.create_engine(url)
    md = _metadata(dialect)
    md.create_all(writer)
    with writer.begin() as conn:
        for name, rows in _rows().items():
            conn.execute(md.tables[name].insert(), rows)
    get_example("algoitny").generate(writer, rows=2000)
    writer.dispose()
    source = open_source(url)
    schema = introspect(source, reporter=RecordingReporter(), with_stats=False)
    yield Scratch(dialect, url, source, {t.name: exact_stats(source, t) for t in schema.tables})
    source.engine.dispose()


KEY_TABLES = [ODD, "k_int", "k_str", "k_composite", "k_uuid", "k_datetime"]


@pytest.mark.parametrize("budget", sorted(BUDGETS))
@pytest.mark.parametrize("name", KEY_TABLES)
def test_key_types_and_odd_identifiers(scratch: Scratch, name: str, budget: str) -> None:
    table = scratch.table(name)
    plan = segment_plan(scratch.source, table, 4, budget=BUDGETS[budget])
    assert plan.method == ("scan" if budget == "exact" else plan.method)
    if budget == "sampled":
        assert plan.method in SAMPLED_METHOD[scratch.dialect]
        assert 2 <= len(plan.segments) <= 4
    else:
        assert len(plan.segments) == 4
    assert_reads_exactly(scratch.source, table, plan.segments, batch_size=37)
    # Plans are deterministic, and survive JSON with their typed keys.
    again = plan_segments(scratch.source, table, 4, budget=BUDGETS[budget])
    assert again == plan.segments
    assert tuple(Segment.from_json(json.loads(json.dumps(s.to_json()))) for s in again) == again
    resume_exactly(scratch.source, table, plan.segments[0], batch_size=13, stop_after=2)


@pytest.mark.parametrize("name", KEY_TABLES)
def test_probe_method_on_every_key_type(scratch: Scratch, name: str) -> None:
    """Leading-column probes, the method MySQL uses, also on SQLite and PostgreSQL."""
    table = scratch.table(name)
    with scratch.source.engine.connect() as conn:
        ks = seg.KeySql(conn, table)
        samples = keysample.probe_sample(conn, ks, 120, random.Random(3))
    assert samples is not None and len(samples) >= 4
    keys = [k for k, _ in samples]
    order = [key_of(table, r) for r in server_rows(scratch.source, table)]
    positions = [order.index(k) for k in keys]
    assert positions == sorted(set(positions))  # real keys, distinct, in the server's order
    bounds = planning._cut(samples, 4)
    segments = planning._plan(table, bounds, "probe", None, len(samples)).segments
    assert_reads_exactly(scratch.source, table, segments, batch_size=50)


def test_odd_identifiers_with_chosen_columns(scratch: Scratch) -> None:
    table = scratch.table(ODD)
    rows = [r for b in read_table(scratch.source, table, segments=2, columns=["a:b", "100%"], budget=EXACT) for r in b]
    assert len(rows) == N
    assert list(rows[0]) == ["a:b", "100%", "Order Id", "select"]
    assert {r["100%"] for r in rows} == {f"{i}%" for i in range(N)}
    with pytest.raises(InputError, match="no column"):
        next(read_table(scratch.source, table, columns=["nope"]))


def test_generated_table_splits_evenly(scratch: Scratch) -> None:
    """AlgoItny's usage_logs (20,000 rows) in 4 segments.

    The exact scan balances to the row.  The sampled methods (TABLESAMPLE,
    200 rowid or leading-column seeks) measured within 1.2x of the mean on
    this table; the check allows the largest segment twice the smallest.
    """
    table = scratch.table("usage_logs")
    assert table.stats is not None and table.stats.row_count == 20_000
    for budget in (SegmentBudget(scan_keys=20_000), SegmentBudget(scan_keys=0, probes=200, sample_keys=2000)):
        plan = segment_plan(scratch.source, table, 4, budget=budget)
        assert len(plan.segments) == 4
        sizes = [sum(len(b) for b in read_segment(scratch.source, table, s, batch_size=2000)) for s in plan.segments]
        assert sum(sizes) == 20_000
        assert max(sizes) <= 2 * min(sizes), (plan.method, sizes)
        if budget.scan_keys:
            assert plan.method == "scan" and max(sizes) - min(sizes) <= 1


def test_small_tables_get_one_segment(scratch: Scratch) -> None:
    table = scratch.table("usage_logs")
    # The default budget: no segment under 5,000 rows.
    assert len(plan_segments(scratch.source, table, 8)) == 4
    assert len(plan_segments(scratch.source, scratch.table("k_int"), 8)) == 1
    assert plan_segments(scratch.source, table, 1) == (Segment("usage_logs", 0, None, None),)


def test_one_segment_plan_carries_the_catalog_estimate(scratch: Scratch) -> None:
    """Without statistics, a one-segment plan still says how big the table is (progress, reading order)."""
    table = replace(scratch.table("usage_logs"), stats=None)
    deadline = time.monotonic() + 10
    while True:
        # PostgreSQL: never analyzed, so the statistics system's live rows, flushed about once a second.
        plan = segment_plan(scratch.source, table, 1)
        if plan.rows is not None or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert plan.method == "single" and len(plan.segments) == 1
    assert plan.rows is not None
    if scratch.dialect == "mysql":  # InnoDB's estimate may be off by half
        assert 10_000 <= plan.rows <= 40_000
    else:
        assert plan.rows == 20_000


def test_snapshot_connection_hides_later_writes(scratch: Scratch) -> None:
    table = scratch.table("snap")
    if scratch.dialect == "sqlite":
        # The SQLite source is opened read-only and a writer would wait for the reader's lock:
        # what holds there is that a read through one connection sees the table whole and once.
        with scratch.source.engine.connect() as conn:
            seen = [r["id"] for b in read_table(scratch.source, table, batch_size=40, connection=conn) for r in b]
        assert seen == list(range(1, 101))
        return
    writer = sa.create_engine(scratch.url, isolation_level="AUTOCOMMIT")
    try:
        with scratch.source.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            pages = read_table(scratch.source, table, batch_size=40, connection=conn)
            first = next(pages)
            with writer.connect() as w:
                w.execute(sa.text("INSERT INTO snap (id) VALUES (1000)"))
            rest = [r for b in pages for r in b]
        seen = [r["id"] for r in first + rest]
        assert seen == list(range(1, 101))
        assert [r["id"] for b in read_table(scratch.source, table) for r in b][-1] == 1000
    finally:
        with writer.connect() as w:
            w.execute(sa.text("DELETE FROM snap WHERE id = 1000"))
        writer.dispose()


# --- without a database ---------------------------------------------------------------------------


def test_keys_round_trip_through_json() -> None:
    key = (
        1,
        -(2**70),
        "naïve",
        True,
        1.5,
        float("inf"),
        Decimal("12.50"),
        dt.datetime(2025, 1, 2, 3, 4, 5, 6),
        dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        dt.date(2025, 1, 2),
        dt.time(10, 11, 12, 13),
        dt.timedelta(days=-1, seconds=5, microseconds=7),
        b"\x00\xff",
        uuid.UUID(int=12345),
    )
    encoded = encode_key(key)
    assert encoded is not None and encoded[6] == {"$decimal": "12.50"} and encoded[12] == {"$bytes": "AP8="}
    back = decode_key(json.loads(json.dumps(encoded)))
    assert back == key
    assert [type(v) for v in back or ()] == [type(v) for v in key]
    assert decode_key(None) is None
    with pytest.raises(InputError):
        decode_key([{"$nope": 1}])
    with pytest.raises(InputError):
        encode_key(([1, 2],))


def test_table_without_primary_key_is_refused() -> None:
    table = Table("heap", (Column("a", "integer", "integer", True),), primary_key=())
    source: Any = None  # refused before any connection is made
    with pytest.raises(InputError, match="no primary key"):
        plan_segments(source, table, 4)
    with pytest.raises(InputError, match="no primary key"):
        next(read_segment(source, table, Segment("heap", 0, None, None)))


def test_checkpoint_of_another_key_shape_is_refused(chinook_sqlite_url: str) -> None:
    source, table = chinook_table(chinook_sqlite_url, "playlisttrack")
    with pytest.raises(InputError, match="does not fit the primary key"):
        next(read_segment(source, table, Segment(table.name, 0, None, None), after=(1,)))
