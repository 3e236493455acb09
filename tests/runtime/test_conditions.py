"""Writes honour their whole WHERE: a condition beyond the key that is false changes nothing (ConditionFailed).

The Decision Data example deletes an audio file by ``file_id AND user_id``, the AlgoItny example makes a
history item public by ``id AND user_id``: with another user's id the SQL changes 0 rows, and so must
DynamoDB, while the owner's id applies the write.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from sql2dynamo.runtime import ConditionFailed, ItemNotFound
from sql2dynamo.runtime.render import without_nulls
from tests.helpers.deployed import Deployed

Deploy = Callable[[str, str], Deployed]


def _two_owners(env: Deployed, sql: str) -> tuple[object, object, object]:
    """(the row's key, its owner, another owner) from the source."""
    with env.source.connect() as conn:
        key, owner = conn.execute(sa.text(sql)).first()  # type: ignore[misc]
        other = conn.execute(
            sa.text("SELECT DISTINCT user_id FROM (" + sql + ") AS s WHERE user_id <> :owner"), {"owner": owner}
        ).scalar()
    assert other is not None
    return key, owner, other


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_delete_by_another_user_deletes_nothing(deployed: Deploy, strategy: str) -> None:
    env = deployed("decision_data", strategy)
    file_id, owner, other = _two_owners(env, "SELECT file_id, user_id FROM audio_files ORDER BY file_id")

    with pytest.raises(ConditionFailed) as caught:
        env.repo.write("AP08", {"file_id": file_id, "user_id": other})

    assert caught.value.context.pattern_id == "AP08" and "0 rows" in caught.value.message
    assert [r["user_id"] for r in env.repo.read("AP07", {"file_id": file_id}).rows] == [owner]
    with pytest.raises(ConditionFailed):  # a NULL owner matches no row either
        env.repo.write("AP08", {"file_id": file_id, "user_id": None})
    env.repo.write("AP08", {"file_id": file_id, "user_id": owner})
    assert env.repo.read("AP07", {"file_id": file_id}).rows == ()


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_update_by_another_user_changes_nothing(deployed: Deploy, strategy: str) -> None:
    env = deployed("algoitny", strategy)
    history_id, owner, other = _two_owners(env, "SELECT id, user_id FROM search_history ORDER BY id")
    (before,) = env.repo.read("AP23", {"history_id": history_id}).rows

    with pytest.raises(ConditionFailed) as caught:
        env.repo.write("AP24", {"history_id": history_id, "user_id": other, "is_public": not before["is_public"]})

    assert not isinstance(caught.value, ItemNotFound)
    assert env.repo.read("AP23", {"history_id": history_id}).rows == (before,)
    env.repo.write("AP24", {"history_id": history_id, "user_id": owner, "is_public": not before["is_public"]})
    (after,) = env.repo.read("AP23", {"history_id": history_id}).rows
    assert after["is_public"] is (not before["is_public"])


# (expression, NULL placeholders, the expression sent): a comparison with NULL keeps no row, as in SQL.
NULLS = [
    ("#a = :v", {":v"}, "(attribute_exists(#a) AND attribute_not_exists(#a))"),
    (
        "(attribute_not_exists(#a) OR #a = :v)",
        {":v"},
        "(attribute_not_exists(#a) OR (attribute_exists(#a) AND attribute_not_exists(#a)))",
    ),
    ("#a IN (:v0, :v1)", {":v1"}, "#a IN (:v0)"),
    ("#a IN (:v0, :v1)", {":v0", ":v1"}, "(attribute_exists(#a) AND attribute_not_exists(#a))"),
    (
        "(attribute_exists(#a) AND NOT (#a IN (:v0, :v1)))",
        {":v1"},
        "(attribute_exists(#a) AND (attribute_exists(#a) AND attribute_not_exists(#a)))",
    ),
    ("(#a >= :lo AND #a <= :hi)", {":hi"}, "(#a >= :lo AND (attribute_exists(#a) AND attribute_not_exists(#a)))"),
    ("begins_with(#b, :p) AND #a < :v1", {":v"}, "begins_with(#b, :p) AND #a < :v1"),
]


@pytest.mark.parametrize(("text", "nulls", "sent"), NULLS)
def test_null_parameters_make_their_comparison_false(text: str, nulls: set[str], sent: str) -> None:
    assert without_nulls(text, nulls) == sent
