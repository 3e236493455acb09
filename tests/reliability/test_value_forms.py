"""Values keep their meaning exactly (issue 14, items 15 to 17).

* PostgreSQL ``money`` is a number (``N``), read the same whatever the server's ``lc_monetary``;
* PostgreSQL ``interval`` keeps its years and months: ``-1 year`` is ``P-1Y`` (never ``-P365D``);
  intervals of days and time stay the durations they were (``-P3D``);
* MariaDB ``SET`` is a string set (``SS``) and MariaDB ``JSON`` (``LONGTEXT`` checked by
  ``json_valid``) a map or list (``M``/``L``), as the README promises.

Each item is read back from DynamoDB Local, and verify agrees with the source.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sql2dynamo.commands.migrate import migrate
from sql2dynamo.commands.verify import verify
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local
from sql2dynamo.testing.dynamodb import boto_client
from tests.helpers.databases import empty_database
from tests.migrate.test_run import entity_tables, fresh_tables, make_model

pytestmark = pytest.mark.dynamodb

PATTERNS = """\
application: forms
patterns:
  - id: AP01
    description: One thing
    sql: SELECT * FROM thing WHERE id = :id
    rps: {avg: 5, peak: 10}
"""

CASES: dict[str, tuple[str, list[str], dict[int, dict[str, Any]]]] = {
    "postgresql": (
        "CREATE TABLE thing (id INTEGER PRIMARY KEY, price MONEY, span INTERVAL)",
        [
            "INSERT INTO thing VALUES (1, 1234.56, '-1 year')",
            "INSERT INTO thing VALUES (2, -7.5, '1 year 2 mons 3 days 04:05:06.5')",
            "INSERT INTO thing VALUES (3, 0, '-3 days')",
        ],
        {
            1: {"price": {"N": "1234.56"}, "span": {"S": "P-1Y"}},
            2: {"price": {"N": "-7.5"}, "span": {"S": "P1Y2M3DT4H5M6.5S"}},
            3: {"price": {"N": "0"}, "span": {"S": "-P3D"}},
        },
    ),
    "mysql": (
        "CREATE TABLE thing (id INTEGER PRIMARY KEY, tags SET('a', 'b', 'c'), doc JSON)",
        [
            "INSERT INTO thing VALUES (1, 'a,c', '{\"k\": [1, \"x\"]}')",
            "INSERT INTO thing VALUES (2, 'b', '[true, null]')",
        ],
        {
            1: {"tags": {"SS": ["a", "c"]}, "doc": {"M": {"k": {"L": [{"N": "1"}, {"S": "x"}]}}}},
            2: {"tags": {"SS": ["b"]}, "doc": {"L": [{"BOOL": True}, {"NULL": True}]}},
        },
    ),
}


@pytest.fixture(params=sorted(CASES))
def forms_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    dialect = str(request.param)
    ddl, inserts, _ = CASES[dialect]
    url = empty_database(request, dialect, tmp_path, "forms")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(ddl))
            for insert in inserts:
                conn.exec_driver_sql(insert.replace("%", "%%"))
    finally:
        engine.dispose()
    return dialect, url


def test_values_keep_their_meaning(
    forms_url: tuple[str, str],
    tmp_path: Path,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    dialect, url = forms_url
    expected = CASES[dialect][2]
    endpoint = shared_local[0].endpoint_url
    model_dir = make_model(url, tmp_path / "model", PATTERNS)
    fresh_tables(model_dir, endpoint)
    result = migrate(url, model_dir, endpoint, reporter=RecordingReporter())
    assert (result.totals()["rejected"], result.totals()["failed"]) == (0, 0), result.summary()

    (table,) = entity_tables(model_dir)
    items = boto_client(endpoint).scan(TableName=table)["Items"]
    by_id = {int(item["id"]["N"]): item for item in items}
    assert sorted(by_id) == sorted(expected)
    for key, attributes in expected.items():
        for name, value in attributes.items():
            assert by_id[key][name] == value, (key, name, by_id[key][name])

    checked = verify(url, model_dir, endpoint, reporter=RecordingReporter())
    assert checked.ok, checked.summary()
