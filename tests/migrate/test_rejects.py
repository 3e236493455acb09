"""The rejects files: one JSON line per refused row or abandoned item, appended and flushed per write."""

from __future__ import annotations

import json
from pathlib import Path

from sql2dynamo.items.transform import Reject
from sql2dynamo.migrate.rejects import RejectLog, failed_line, key_text, reject_line


def test_refused_rows_and_abandoned_items_share_one_file_per_source_table(tmp_path: Path) -> None:
    log = RejectLog(tmp_path / "rejects")
    refused = Reject("note", {"id": 2}, "item over 400 KB", "app")
    abandoned = {"table": "app", "key": {"pk": {"S": "NOTE#3"}}, "error": "kept unprocessed", "code": "X"}
    log.write("note", [reject_line(refused)])
    # Flushed at once: a killed run leaves whole lines behind.
    assert log.path("note").read_text().count("\n") == 1
    log.write("note", [failed_line("note", abandoned)])
    log.close()
    lines = [json.loads(line) for line in log.path("note").read_text().splitlines()]
    assert lines == [
        {"table": "note", "key": {"id": 2}, "reason": "item over 400 KB", "target": "app"},
        {
            "table": "note",
            "target": "app",
            "key": {"pk": {"S": "NOTE#3"}},
            "reason": "kept unprocessed",
            "failed": True,
        },
    ]
    assert not (tmp_path / "rejects" / "other.jsonl").exists()


def test_key_text_for_one_line_messages() -> None:
    assert key_text({"id": 2, "lang": "en"}) == "id=2, lang='en'"
