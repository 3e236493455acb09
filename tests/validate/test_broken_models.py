"""A deliberately broken model makes validate fail, and the failure says what differs.

decision_data (SQLite, multi-table) is designed once per test; one thing is then broken in a copy of its
data_model.json -- the sort key of a GSI, the lookup table that guards the unique e-mail, the type of an
attribute -- and validate deploys, migrates and runs the broken model.  The intact model passes first, so
each failure is the break's doing.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sql2dynamo.commands.validate import ValidateResult, validate
from sql2dynamo.common.errors import ValidationFailed
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.testing.dynamodb import boto_client
from tests.validate import designed_example

pytestmark = pytest.mark.dynamodb


def _drop_all(endpoint: str) -> None:
    client = boto_client(endpoint)
    for name in client.list_tables()["TableNames"]:
        client.delete_table(TableName=name)
        client.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})


def _broken(model_dir: Path, out: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    shutil.copytree(model_dir, out)
    path = out / "data_model.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return out


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in data["tables"] if t["name"] == name)


def _run(url: str, model_dir: Path, endpoint: str) -> ValidateResult:
    _drop_all(endpoint)
    return validate(url, model_dir, endpoint, reporter=RecordingReporter())


@pytest.fixture
def designed(tmp_path: Path, endpoint: str) -> tuple[str, Path]:
    url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    model_dir = designed_example("decision_data", url, tmp_path / "good", strategy="multi-table", rows=10)
    intact = _run(url, model_dir, endpoint)
    assert intact.ok, {p.pattern_id: p.reason for p in intact.failed}
    return url, model_dir


def test_wrong_gsi_sort_key_fails_on_the_order(designed: tuple[str, Path], endpoint: str, tmp_path: Path) -> None:
    url, model_dir = designed

    def change(data: dict[str, Any]) -> None:
        (index,) = _table(data, "audio_files")["indexes"]
        index["sk"] = {"attribute": "file_size", "type": "N", "template": "{file_size}", "columns": ["file_size"]}

    result = _run(url, _broken(model_dir, tmp_path / "bad", change), endpoint)

    assert [p.pattern_id for p in result.failed] == ["AP05"]  # the newest files of a user
    bad = result.failed[0]
    case = next(c for c in bad.cases if not c.ok)
    assert case.difference is not None and "in ORDER BY order" in case.difference["reason"]
    assert case.difference["expected"] and case.difference["actual"]
    assert case.params["user_id"]
    with pytest.raises(ValidationFailed) as caught:
        result.raise_if_failed()
    assert caught.value.exit_code == 9 and "AP05" in caught.value.message


def test_missing_lookup_table_lets_a_duplicate_in(designed: tuple[str, Path], endpoint: str, tmp_path: Path) -> None:
    url, model_dir = designed

    def change(data: dict[str, Any]) -> None:
        data["tables"] = [t for t in data["tables"] if t["name"] != "users_email_unique"]
        for plan in data["plans"]:
            for step in plan["steps"]:
                step["items"] = [s for s in step["items"] if s["table"] != "users_email_unique"]

    result = _run(url, _broken(model_dir, tmp_path / "bad", change), endpoint)

    by_id = {p.pattern_id: p for p in result.patterns}
    insert = by_id["AP02"]
    assert insert.status == "fail"
    duplicate = next(c for c in insert.cases if c.label == "duplicate email")
    assert not duplicate.ok and duplicate.difference is not None
    assert "DynamoDB accepted it" in duplicate.difference["reason"]
    assert next(c for c in insert.cases if c.label == "insert a new row").ok
    # The reads through the lookup name the table the model lacks.
    assert by_id["AP01"].status == "fail" and "users_email_unique" in by_id["AP01"].reason


def test_wrong_attribute_type_fails_on_the_values(designed: tuple[str, Path], endpoint: str, tmp_path: Path) -> None:
    url, model_dir = designed

    def change(data: dict[str, Any]) -> None:
        (entity,) = _table(data, "audio_files")["entities"]
        size = next(a for a in entity["attributes"] if a["name"] == "file_size")
        size["type"], size["transform"] = "S", "string"

    result = _run(url, _broken(model_dir, tmp_path / "bad", change), endpoint)

    failed = {p.pattern_id: p for p in result.failed}
    assert {"AP05", "AP07"} <= set(failed)
    case = next(c for c in failed["AP07"].cases if not c.ok)
    assert case.difference is not None and "file_size" in case.difference["reason"]
    assert "on the source" in case.difference["reason"]
    assert not {"AP01", "AP02", "AP03", "AP04"} & set(failed)  # users are untouched


def test_delete_without_its_owner_condition_fails(designed: tuple[str, Path], endpoint: str, tmp_path: Path) -> None:
    url, model_dir = designed

    def change(data: dict[str, Any]) -> None:
        (plan,) = [p for p in data["plans"] if p["pattern_id"] == "AP08"]  # delete by file_id AND user_id
        for step in plan["steps"]:
            step["condition"] = None

    result = _run(url, _broken(model_dir, tmp_path / "bad", change), endpoint)

    assert [p.pattern_id for p in result.failed] == ["AP08"]
    case = next(c for c in result.failed[0].cases if not c.ok)
    assert "another user_id" in case.label and case.conjuncts == {"user_id = :user_id": "false"}
    assert case.difference is not None and "missing after the write" in case.difference["reason"]
