"""Statistics stay bounded on big tables: estimates and samples, each marked as such.

Chinook is small, so the budget is shrunk to make its tables "big".
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.source.connect import open_source
from sql2dynamo.source.introspect import introspect
from sql2dynamo.source.stats import StatsBudget, value_size

TINY = StatsBudget(sample_rows=50, exact_count_limit=100, fanout_exact_limit=100, fanout_sample_parents=20)


def _analyze_catalog(url: str) -> None:
    """Refresh the catalog's row estimates, as autovacuum/ANALYZE would on a live server."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        for name in names:
            quoted = engine.dialect.identifier_preparer.quote(name)
            conn.execute(sa.text(f"ANALYZE {quoted}" if url.startswith("postgresql") else f"ANALYZE TABLE {quoted}"))
    engine.dispose()


def test_big_tables_are_sampled_and_estimated(chinook_url: str) -> None:
    if not chinook_url.startswith("sqlite"):
        _analyze_catalog(chinook_url)
    reporter = RecordingReporter()
    schema = introspect(open_source(chinook_url), reporter=reporter, budget=TINY)
    tables = {t.name.replace("_", "").lower(): t for t in schema.tables}
    track = tables["track"]
    assert track.stats is not None
    assert track.stats.sampled_rows <= TINY.sample_rows
    # TABLESAMPLE SYSTEM picks whole pages: on a table this small it may pick none, and the
    # sampler then falls back to random key ranges.
    allowed = {"sqlite": {"key-ranges"}, "mysql": {"key-ranges"}, "postgresql": {"tablesample", "key-ranges"}}
    assert track.stats.sample_method in allowed[schema.source.dialect]
    if schema.source.dialect == "sqlite":  # no catalog estimate: counting is the only way
        assert (track.stats.row_count, track.stats.row_count_exact) == (3503, True)
    else:
        assert track.stats.row_count_exact is False
        assert 3503 * 0.5 < track.stats.row_count < 3503 * 1.5
    name = track.columns[1]
    assert name.stats is not None and name.stats.exact is False and name.stats.sampled_rows == track.stats.sampled_rows
    # Fan-out of a big child table is measured on a sample of parents.
    line = tables["invoiceline"]
    fk = next(f for f in line.foreign_keys if f.referred_table.lower() == "invoice")
    assert fk.fanout is not None and fk.fanout.method == "sampled_parents"
    assert 1 <= fk.fanout.avg <= 14 and fk.fanout.max <= 14
    # Small tables stay exact.
    genre = tables["genre"]
    assert genre.stats is not None and genre.stats.row_count_exact and genre.stats.sample_method == "full"
    # Progress went through the reporter, per table.
    tasks = {d: done for d, _, done in reporter.messages("task")}
    assert tasks["sampling rows and column profiles"] == 11


def test_samples_are_repeatable(chinook_url: str) -> None:
    a = introspect(open_source(chinook_url), reporter=RecordingReporter(), budget=TINY)
    b = introspect(open_source(chinook_url), reporter=RecordingReporter(), budget=TINY)
    assert a == b


@pytest.mark.parametrize(
    ("value", "size"),
    [(None, 0), (True, 1), (0, 2), (12345, 4), ("héllo", 6), (b"\x00\x01", 2), ([1, 2], 6), ({"a": 1}, 8)],
)
def test_value_size(value: object, size: int) -> None:
    assert value_size(value) == size
