"""``export`` and ``verify --from-export``: ImportTable input files from real sources, proven by verify's hashes."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest
import zstandard
from amazon.ion import simpleion

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.design import design
from sql2dynamo.commands.export import ExportResult, export
from sql2dynamo.commands.verify import VerifyResult, verify
from sql2dynamo.common.errors import InputError, PrerequisiteError, UsageError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.migrate.export_format import read_items
from sql2dynamo.verify.canonical import canonical_hash
from tests.validate import designed_example

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("UPDATE_GOLDEN") == "1"


def run_export(url: str, model: Path, to: Path, **kwargs: object) -> ExportResult:
    return export(url, model, to, reporter=RecordingReporter(), **kwargs)  # type: ignore[arg-type]


def check(url: str, model: Path, directory: Path) -> VerifyResult:
    return verify(url, model, None, reporter=RecordingReporter(), from_export=directory)


@pytest.fixture(scope="module", params=["single-table", "multi-table"])
def algoitny(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp(f"algoitny-{request.param}")
    url = f"sqlite:///{out / 'source.sqlite'}"
    return url, designed_example("algoitny", url, out, strategy=request.param, rows=8)


@pytest.mark.parametrize(("fmt", "compression"), [("dynamodb-json", "gzip"), ("ion", "zstd"), ("ion", "none")])
def test_export_of_both_strategies_verifies_clean(
    algoitny: tuple[str, Path], fmt: str, compression: str, tmp_path: Path
) -> None:
    url, model = algoitny
    result = run_export(url, model, tmp_path / "out", fmt=fmt, compression=compression, segments=2)
    totals = result.totals()
    assert totals["items"] > totals["rows"] > 0  # lookup items and copies come on top of the entities
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["complete"] and manifest["input_format"] == {"dynamodb-json": "DYNAMODB_JSON"}.get(fmt, "ION")
    for name, table in manifest["tables"].items():
        # The manifest's hash is the sum of verify's canonical hashes of the items in the files.
        got = 0
        for f in table["files"]:
            for item in read_items(tmp_path / "out" / f["path"], fmt, compression):  # type: ignore[arg-type]
                got = (got + int(canonical_hash(item), 16)) % 2**256
        assert f"{got:064x}" == table["items_hash"], name
    checked = check(url, model, tmp_path / "out")
    totals_v = checked.totals()
    assert checked.ok, totals_v
    assert totals_v["expected"] == totals["items"] and totals_v["missing"] == totals_v["different"] == 0


def test_chinook_export_verifies_and_changed_files_are_caught(chinook_sqlite_url: str, tmp_path: Path) -> None:
    out = tmp_path / "analysis"
    analyze(chinook_sqlite_url, out_dir=out, reporter=RecordingReporter(), include=("Artist", "Album", "Genre"))
    (out / "patterns.yaml").write_text(
        "application: shop\npatterns:\n"
        "  - id: AP01\n    description: Albums of an artist\n"
        "    sql: SELECT * FROM Album WHERE ArtistId = :artist_id\n    rps: {avg: 5, peak: 20}\n"
    )
    model = tmp_path / "model"
    design(
        out / "schema.json",
        out / "patterns.yaml",
        out_dir=model,
        reporter=RecordingReporter(),
        confirm=lambda g, q: True,
    )
    files = tmp_path / "files"
    result = run_export(chinook_sqlite_url, model, files, compression="none", segments=2, max_file_mb=1)
    assert result.totals()["rows"] == 275 + 347 + 25
    assert check(chinook_sqlite_url, model, files).ok

    album = files / json.loads((files / "manifest.json").read_text())["tables"]["Album"]["files"][0]["path"]
    lines = album.read_text().splitlines()
    changed = json.loads(lines[1])
    changed["Item"]["Title"] = {"S": "changed"}
    extra = json.loads(lines[2])
    extra["Item"]["AlbumId"] = {"N": "99999"}
    album.write_text("\n".join([json.dumps(changed), *lines[2:], json.dumps(extra)]) + "\n")  # line 0 dropped
    result_v = check(chinook_sqlite_url, model, files)
    counts = {t.table: (t.missing, t.extra, t.different) for t in result_v.comparison.tables}
    assert counts["Album"] == (1, 1, 1)
    diff = next(d for d in result_v.comparison.differences if d.kind == "different")
    assert any("Title" in line for line in diff.diff)
    with pytest.raises(Exception, match="differs"):
        result_v.raise_if_different()


def test_interrupted_export_resumes_without_duplicates(algoitny: tuple[str, Path], tmp_path: Path) -> None:
    url, model = algoitny
    whole = run_export(url, model, tmp_path / "whole", segments=1)
    seen: list[tuple[str, int]] = []

    def stop(table: str, index: int) -> None:
        seen.append((table, index))
        if len(seen) == 2:
            raise KeyboardInterrupt

    to = tmp_path / "part"
    with pytest.raises(KeyboardInterrupt):
        run_export(url, model, to, segments=1, workers=1, on_segment=stop)
    assert not json.loads((to / "manifest.json").read_text())["complete"]
    with pytest.raises(UsageError) as stopped:
        run_export(url, model, to, segments=1)
    assert "continue it with --resume" in stopped.value.one_line()
    with pytest.raises(UsageError, match="compression"):
        run_export(url, model, to, segments=1, compression="none", resume=True)
    resumed = run_export(url, model, to, segments=1, resume=True)
    assert resumed.resumed and resumed.outcome.segments_skipped == 2
    assert {n: t["items_hash"] for n, t in resumed.outcome.tables.items()} == {
        n: t["items_hash"] for n, t in whole.outcome.tables.items()
    }
    assert resumed.totals()["items"] == whole.totals()["items"]
    assert not (to / ".partial").exists()
    assert check(url, model, to).ok
    with pytest.raises(UsageError, match="finished export"):
        run_export(url, model, to)


def test_bad_destinations_and_options(
    algoitny: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, model = algoitny
    with pytest.raises(UsageError) as s3:
        run_export(url, model, "s3://bucket/prefix")
    assert "aws s3 sync DIR s3://bucket/prefix" in s3.value.one_line()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        run_export(url, model, tmp_path / "busy")
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"
    monkeypatch.setitem(sys.modules, "zstandard", None)  # as if the extra were not installed
    with pytest.raises(PrerequisiteError) as missing:
        run_export(url, model, tmp_path / "z", compression="zstd")
    assert "pip install 'sql2dynamo[export]'" in missing.value.one_line()
    assert not (tmp_path / "z").exists()
    with pytest.raises(UsageError, match="manifest"):
        check(url, model, tmp_path / "busy")


# ------------------------------------------------------------------ golden files: a tiny model, every value type


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    base = tmp_path_factory.mktemp("tiny")
    db = base / "tiny.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE note (id INTEGER PRIMARY KEY, title TEXT NOT NULL, price NUMERIC(10,2), "
            "body BLOB, done BOOLEAN, created DATETIME)"
        )
        conn.executemany(
            "INSERT INTO note VALUES (?, ?, ?, ?, ?, ?)",
            [
                (1, 'quote " and \\ back', "12.50", b"\x00\x01\xff", 1, "2025-01-02 03:04:05"),
                (2, "ünïcødé ✓ 😀", "-0.05", None, 0, None),
                (3, "line\nbreak\ttab", None, b"", None, "2025-12-31 23:59:59"),
            ],
        )
    url = f"sqlite:///{db}"
    analyze(url, out_dir=base, reporter=RecordingReporter())
    (base / "patterns.yaml").write_text(
        "application: notes\npatterns:\n"
        "  - id: AP01\n    description: A note\n"
        "    sql: SELECT * FROM note WHERE id = :id\n    rps: {avg: 1, peak: 2}\n"
    )
    design(
        base / "schema.json",
        base / "patterns.yaml",
        out_dir=base / "model",
        reporter=RecordingReporter(),
        confirm=lambda g, q: True,
    )
    return url, base / "model"


@pytest.mark.parametrize("fmt", ["dynamodb-json", "ion"])
def test_golden_files_decode_in_every_compression(tiny: tuple[str, Path], fmt: str, tmp_path: Path) -> None:
    url, model = tiny
    suffix = ".json" if fmt == "dynamodb-json" else ".ion"
    golden = GOLDEN / f"export-note{suffix}"
    decoded: dict[str, bytes] = {}
    for compression, decode in (
        ("none", lambda raw: raw),
        ("gzip", gzip.decompress),
        ("zstd", lambda raw: zstandard.ZstdDecompressor().stream_reader(raw).read()),
    ):
        to = tmp_path / compression
        run_export(url, model, to, fmt=fmt, compression=compression, segments=1)
        (path,) = sorted(to.glob("*/data/*"))
        decoded[compression] = decode(path.read_bytes())
        assert check(url, model, to).ok
    assert decoded["none"] == decoded["gzip"] == decoded["zstd"]
    if REGENERATE:
        golden.write_bytes(decoded["none"])
    assert decoded["none"].decode("utf-8") == golden.read_text(encoding="utf-8")
    for line in decoded["none"].decode("utf-8").splitlines():
        if fmt == "ion":
            assert line.startswith("$ion_1_0 {Item:")
            item = simpleion.loads(line)["Item"]  # Amazon's own Ion reader takes every line
            assert item["id"] in (1, 2, 3) and "title" in item
        else:
            assert set(json.loads(line)) == {"Item"}


def test_a_cut_file_is_named_with_its_line(tiny: tuple[str, Path], tmp_path: Path) -> None:
    url, model = tiny
    run_export(url, model, tmp_path / "out", compression="none", segments=1)
    (path,) = sorted((tmp_path / "out").glob("*/data/*"))
    path.write_text(path.read_text()[:-20])
    with pytest.raises(InputError, match=r":3 is not an item"):
        check(url, model, tmp_path / "out")
