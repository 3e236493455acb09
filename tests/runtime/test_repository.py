"""The Repository on real DynamoDB Local with migrated example data: paging, limits, counts, batches with
unprocessed keys, throttling, typed write refusals, index and claim upkeep on writes, many threads at once."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.common.errors import Sql2DynamoError
from sql2dynamo.runtime import (
    ConditionFailed,
    DuplicateValue,
    InvalidRequest,
    ItemNotFound,
    Repository,
    Throttled,
    UnsupportedPattern,
)
from sql2dynamo.target.retry import RetryPolicy
from sql2dynamo.testing.proxy import FaultProxy, Faults
from tests.helpers.deployed import Deployed, plain_client
from tests.runtime.compare import norm, pattern_sql, project, read_all, sql_rows

Deploy = Callable[[str, str], Deployed]
FAST = RetryPolicy(base_s=0.001, cap_s=0.01, max_attempts=4)


def _one(engine: sa.Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


# ------------------------------------------------------------------ reads


def test_pages_follow_the_cursor(deployed: Deploy) -> None:
    env = deployed("chinook", "multi-table")
    invoice = _one(env.source, "SELECT invoice_id FROM invoice_line GROUP BY invoice_id ORDER BY count(*) DESC LIMIT 1")
    everything = env.repo.read("AP06", {"invoice_id": invoice})
    assert everything.cursor is None and len(everything.rows) >= 5
    assert everything.calls == 1 and everything.consumed_rcu > 0
    pages, cursor = [], None
    while True:
        page = env.repo.read("AP06", {"invoice_id": invoice}, limit=2, cursor=cursor)
        assert len(page.rows) <= 2 and page.calls >= 1
        pages.append(page.rows)
        cursor = page.cursor
        if cursor is None:
            break
    assert [r for rows in pages for r in rows] == list(everything.rows)
    assert len(pages) >= 3
    assert [r["invoice_line_id"] for r in everything.rows] == sorted(r["invoice_line_id"] for r in everything.rows)


def test_sql_limit_holds_across_pages(deployed: Deploy) -> None:
    env = deployed("chinook", "multi-table")
    customer = _one(env.source, "SELECT customer_id FROM invoice GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1")
    params = {"customer_id": customer, "limit": 3}
    first = env.repo.read("AP04", params, limit=2)
    assert len(first.rows) == 2 and first.cursor is not None
    second = env.repo.read("AP04", params, limit=2, cursor=first.cursor)
    assert len(second.rows) == 1 and second.cursor is None
    _, expected = sql_rows(env.source, pattern_sql("chinook")["AP04"], params)
    dates = [norm(r["invoice_date"]) for r in (*first.rows, *second.rows)]
    assert dates == [e[2] for e in expected]  # newest first, as ORDER BY invoice_date DESC
    assert isinstance(first.rows[0]["invoice_date"], datetime) and isinstance(first.rows[0]["customer_id"], int)


def test_cursor_is_checked(deployed: Deploy) -> None:
    env = deployed("chinook", "multi-table")
    customer = _one(env.source, "SELECT customer_id FROM invoice GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1")
    page = env.repo.read("AP04", {"customer_id": customer, "limit": 10}, limit=1)
    assert page.cursor is not None
    with pytest.raises(InvalidRequest, match="belongs to pattern AP04"):
        env.repo.read("AP06", {"invoice_id": 1}, limit=1, cursor=page.cursor)
    with pytest.raises(InvalidRequest, match="not one this library gave"):
        env.repo.read("AP04", {"customer_id": customer, "limit": 10}, cursor="bm90IGEgY3Vyc29y")
    with pytest.raises(InvalidRequest, match="limit must be at least 1"):
        env.repo.read("AP04", {"customer_id": customer, "limit": 10}, limit=0)
    with pytest.raises(InvalidRequest, match=":limit"):
        env.repo.read("AP04", {"customer_id": customer})


def test_count_pattern_gives_one_row(deployed: Deploy) -> None:
    env = deployed("algoitny", "multi-table")
    user = _one(
        env.source,
        "SELECT user_id FROM search_history WHERE user_id IS NOT NULL GROUP BY user_id ORDER BY count(*) DESC LIMIT 1",
    )
    expected = _one(env.source, f"SELECT count(*) FROM search_history WHERE user_id = {user}")
    page = env.repo.read("AP26", {"user_id": user})
    assert page.rows == ({"count": expected},) and page.cursor is None and expected > 1
    assert env.repo.read("AP26", {"user_id": 10**9}).rows == ({"count": 0},)


def test_unsupported_and_unknown_patterns(deployed: Deploy) -> None:
    env = deployed("chinook", "multi-table")
    with pytest.raises(UnsupportedPattern) as caught:
        env.repo.read("AP19", {"query": "love", "limit": 5})
    assert "LIKE" in caught.value.reason and caught.value.alternative
    assert caught.value.context.pattern_id == "AP19"
    with pytest.raises(InvalidRequest, match="unknown access pattern"):
        env.repo.read("AP99", {})
    with pytest.raises(InvalidRequest, match="is a read pattern"):
        env.repo.write("AP02", {"customer_id": 1})
    with pytest.raises(InvalidRequest, match=":customer_id"):
        env.repo.read("AP02", {})


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_batch_get_retries_unprocessed_keys(deployed: Deploy, strategy: str) -> None:
    env = deployed("hustle_hub", strategy)
    user = _one(env.source, "SELECT user_id FROM favourites GROUP BY user_id ORDER BY count(*) DESC LIMIT 1")
    sql = pattern_sql("hustle_hub")["AP23"]
    columns, expected = sql_rows(env.source, sql, {"user_id": user})
    assert len(expected) >= 3
    renames = {"created_at": "favourites.created_at"}
    with FaultProxy(env.endpoint, Faults(partial=0.7, operations=frozenset({"BatchGetItem"})), seed=3) as proxy:
        repo = Repository(env.model, plain_client(proxy.url), retry=RetryPolicy(base_s=0.001, cap_s=0.01))
        page = repo.read("AP23", {"user_id": user})
        assert proxy.stats()["held_back_items"] > 0
    assert [project(r, columns, renames) for r in page.rows] == expected
    assert page.calls > 3  # the Query, and BatchGetItems asked again for what came back unprocessed
    with FaultProxy(env.endpoint, Faults(partial=1.0, operations=frozenset({"BatchGetItem"})), seed=3) as proxy:
        repo = Repository(env.model, plain_client(proxy.url), retry=FAST)
        with pytest.raises(Throttled, match="unprocessed") as caught:
            repo.read("AP23", {"user_id": user})
    assert caught.value.context.pattern_id == "AP23" and caught.value.context.key is not None


def test_throttling_is_retried_then_throttled(deployed: Deploy) -> None:
    env = deployed("chinook", "multi-table")
    with FaultProxy(env.endpoint, Faults(throttle=0.5), seed=11) as proxy:
        repo = Repository(env.model, plain_client(proxy.url), retry=RetryPolicy(base_s=0.001, cap_s=0.01))
        rows = [repo.read("AP02", {"customer_id": i}).rows for i in range(1, 11)]
        assert proxy.stats()["throttle"] > 0
    assert [r[0]["customer_id"] for r in rows] == list(range(1, 11))
    with FaultProxy(env.endpoint, Faults(throttle=1.0), seed=11) as proxy:
        repo = Repository(env.model, plain_client(proxy.url), retry=FAST)
        with pytest.raises(Throttled) as caught:
            repo.read("AP02", {"customer_id": 1})
        assert proxy.stats()["throttle"] == FAST.max_attempts
        with pytest.raises(Throttled):
            repo.write("AP03", {"customer_id": 1, "email": "x@example.com"})
    assert caught.value.context.pattern_id == "AP02"
    assert caught.value.context.key == {"customer_id": 1}
    assert caught.value.exit_code == 7


# ------------------------------------------------------------------ writes


def test_insert_claims_unique_values(deployed: Deploy) -> None:
    env = deployed("algoitny", "single-table")
    taken = _one(env.source, "SELECT email FROM users ORDER BY id LIMIT 1")
    row = {
        "id": 900001,
        "email": "new.user@example.com",
        "name": "New",
        "picture": None,
        "google_id": "g-900001",
        "subscription_plan_id": 1,
        "is_active": True,
        "created_at": datetime(2026, 1, 2, 3, 4, 5),
        "updated_at": datetime(2026, 1, 2, 3, 4, 5),
    }
    outcome = env.repo.write("AP04", row)
    assert outcome.calls == 1 and outcome.consumed_wcu > 0
    (back,) = env.repo.read("AP01", {"email": "new.user@example.com"}).rows
    assert back == row
    assert env.repo.read("AP02", {"google_id": "g-900001"}).rows == (row,)
    with pytest.raises(DuplicateValue) as caught:
        env.repo.write("AP04", {**row, "id": 900002, "google_id": "g-900002", "email": taken})
    assert caught.value.columns == ("email",) and caught.value.value == taken
    assert isinstance(caught.value, ConditionFailed) and caught.value.exit_code == 7
    assert caught.value.context.pattern_id == "AP04"
    assert env.repo.read("AP03", {"user_id": 900002}).rows == ()  # the transaction wrote nothing
    with pytest.raises(DuplicateValue) as again:
        env.repo.write("AP04", {**row, "email": "other@example.com", "google_id": "g-other"})
    assert again.value.columns == ("id",)
    # NULL unique values claim nothing: two users without a google_id
    for n in (900003, 900004):
        env.repo.write("AP04", {**row, "id": n, "email": f"u{n}@example.com", "google_id": None})
    assert env.repo.read("AP03", {"user_id": 900004}).rows[0]["google_id"] is None


def test_update_of_a_missing_item_is_not_found(deployed: Deploy) -> None:
    env = deployed("chinook", "multi-table")
    with pytest.raises(ItemNotFound) as caught:
        env.repo.write("AP03", {"customer_id": 10**9, "email": "x@example.com"})
    assert caught.value.context.pattern_id == "AP03"
    assert isinstance(caught.value, Sql2DynamoError) and not isinstance(caught.value, ConditionFailed)
    env.repo.write("AP03", {"customer_id": 2, "email": "changed@example.com"})
    assert env.repo.read("AP02", {"customer_id": 2}).rows[0]["email"] == "changed@example.com"


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_update_moves_the_item_out_of_a_sparse_index(deployed: Deploy, strategy: str) -> None:
    env = deployed("algoitny", strategy)
    platform, problem = (
        env.source.connect()
        .execute(sa.text("SELECT platform, problem_id FROM problems WHERE is_deleted = 0 ORDER BY id LIMIT 1"))
        .one()
    )
    listed = env.repo.read("AP13", {"platform": platform, "limit": 1000}).rows
    assert problem in {r["problem_id"] for r in listed}
    now = datetime(2026, 5, 1, 12, 0)
    env.repo.write("AP18", {"platform": platform, "problem_id": problem, "now": now, "reason": "duplicate"})
    listed = env.repo.read("AP13", {"platform": platform, "limit": 1000}).rows
    assert problem not in {r["problem_id"] for r in listed}
    (row,) = env.repo.read("AP09", {"platform": platform, "problem_id": problem}).rows
    assert row["is_deleted"] is True and row["deleted_at"] == now and row["deleted_reason"] == "duplicate"
    with pytest.raises(ItemNotFound):
        env.repo.write("AP18", {"platform": platform, "problem_id": "no-such", "now": now, "reason": "x"})


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_update_moves_the_unique_claim(deployed: Deploy, strategy: str) -> None:
    env = deployed("hustle_hub", strategy)
    (cat_id, slug), (_, other) = (
        env.source.connect().execute(sa.text("SELECT id, slug FROM categories ORDER BY id LIMIT 2")).all()
    )
    (row,) = env.repo.read("AP08", {"category_id": cat_id}).rows
    change = {
        "category_id": cat_id,
        "slug": f"{slug}-renamed",
        "name": row["name"],
        "description": row["description"],
        "sort_order": row["sort_order"],
        "now": datetime(2026, 2, 2),
    }
    env.repo.write("AP10", change)
    assert env.repo.read("AP07", {"slug": slug}).rows == ()
    assert env.repo.read("AP07", {"slug": f"{slug}-renamed"}).rows[0]["id"] == cat_id
    env.repo.write("AP10", {**change, "name": "same slug, new name"})  # keeps its own claim
    assert env.repo.read("AP07", {"slug": f"{slug}-renamed"}).rows[0]["name"] == "same slug, new name"
    with pytest.raises(DuplicateValue) as caught:
        env.repo.write("AP10", {**change, "slug": other})
    assert caught.value.columns == ("slug",) and caught.value.value == other
    assert env.repo.read("AP08", {"category_id": cat_id}).rows[0]["slug"] == f"{slug}-renamed"
    env.repo.write("AP11", {"category_id": cat_id})  # the delete releases the claim with the item
    assert env.repo.read("AP07", {"slug": f"{slug}-renamed"}).rows == ()
    assert env.repo.read("AP08", {"category_id": cat_id}).rows == ()
    env.repo.write("AP11", {"category_id": cat_id})  # deleting nothing is no error, as in SQL
    fresh = {k: v for k, v in change.items() if k not in ("category_id", "now")}
    fresh.update(id=cat_id, slug=f"{slug}-renamed", created_at=datetime(2026, 2, 3), updated_at=datetime(2026, 2, 3))
    env.repo.write("AP09", fresh)  # the released value can be claimed again
    assert env.repo.read("AP07", {"slug": f"{slug}-renamed"}).rows[0]["id"] == cat_id


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_insert_copies_the_parent_and_update_refreshes_the_copies(deployed: Deploy, strategy: str) -> None:
    env = deployed("hustle_hub", strategy)
    listing = _one(env.source, "SELECT max(id) FROM listings")
    (before,) = env.repo.read("AP13", {"listing_id": listing}).rows
    old_slug = f"gone-{listing}-{strategy}"
    env.repo.write("AP19", {"old_slug": old_slug, "listing_id": listing, "created_at": datetime(2026, 3, 3)})
    (row,) = env.repo.read("AP16", {"slug": old_slug}).rows
    assert row["listings.id"] == listing and row["listings.title"] == before["title"]
    assert row["listing_id"] == listing and row["old_slug"] == old_slug
    with pytest.raises(DuplicateValue):
        env.repo.write("AP19", {"old_slug": old_slug, "listing_id": listing, "created_at": datetime(2026, 3, 3)})
    change = {k: before[k] for k in ("category_id", "slug", "description", "location", "skills", "income_potential")}
    change.update(
        listing_id=listing, title="A new title", is_published=not before["is_published"], now=datetime(2026, 4, 4)
    )
    env.repo.write("AP18", change)
    (row,) = env.repo.read("AP16", {"slug": old_slug}).rows
    assert row["listings.title"] == "A new title" and row["listings.is_published"] is change["is_published"]
    (after,) = env.repo.read("AP13", {"listing_id": listing}).rows
    assert after["title"] == "A new title" and after["updated_at"] == datetime(2026, 4, 4)
    published = {r["id"] for r in env.repo.read("AP15", {}).rows}
    assert (listing in published) is change["is_published"]  # the sparse index follows is_published


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_insert_and_delete_by_key(deployed: Deploy, strategy: str) -> None:
    env = deployed("chinook", strategy)
    track = _one(env.source, "SELECT max(track_id) FROM track")
    playlist = _one(
        env.source,
        "SELECT min(playlist_id) FROM playlist WHERE playlist_id NOT IN "
        f"(SELECT playlist_id FROM playlist_track WHERE track_id = {track})",
    )
    params = {"playlist_id": playlist, "track_id": track}
    env.repo.write("AP22", params)
    with pytest.raises(DuplicateValue) as caught:
        env.repo.write("AP22", params)
    assert caught.value.columns == ("playlist_id", "track_id") and caught.value.value == (playlist, track)
    env.repo.write("AP23", params)
    env.repo.write("AP22", params)  # deleted: the key is free again
    env.repo.write("AP23", params)
    env.repo.write("AP23", params)  # deleting nothing is no error, as in SQL


# ------------------------------------------------------------------ threads


def test_one_repository_serves_many_threads(deployed: Deploy) -> None:
    env = deployed("chinook", "multi-table")
    client = plain_client(env.endpoint, max_pool=32)
    repo = Repository(env.model, client)
    with env.source.connect() as conn:
        customers = [r[0] for r in conn.execute(sa.text("SELECT customer_id FROM customer ORDER BY customer_id"))]
    calls: list[tuple[str, dict[str, Any], int | None]] = [("AP02", {"customer_id": c}, None) for c in customers]
    calls += [("AP04", {"customer_id": c, "limit": 100}, 2) for c in customers]
    calls += [("AP21", {"customer_id": c}, None) for c in customers]
    expected = [read_all(repo, pid, params, page) for pid, params, page in calls]
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in range(3):
            got = list(pool.map(lambda c: read_all(repo, c[0], c[1], c[2]), calls))
            assert got == expected
    assert all(rows for rows in expected[: len(customers)])
