"""The reports the pipeline writes itself: ``demo`` (everything, items read from DynamoDB) and ``design`` (the model).

The demo's ``report.html`` is opened in a real headless Chromium, screenshotted
and checked like every report (:func:`tests.report.expect.problems`), against
what the demo's own stages returned: every table, every pattern with the
status validate gave it, every bar, no console error, no request.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser

from sql2dynamo.commands.analyze import analyze
from sql2dynamo.commands.demo import demo
from sql2dynamo.commands.design import design
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.examples import get_example
from sql2dynamo.target import local
from tests.report.browser import dump, open_report
from tests.report.expect import problems

PNG = b"\x89PNG\r\n\x1a\n"


def test_demo_writes_a_report_a_browser_shows(
    tmp_path: Path,
    browser: Browser,
    shared_local: tuple[local.LocalInstance, Path],
) -> None:
    out = tmp_path / "demo"
    result = demo(out_dir=out, rows=30, reporter=RecordingReporter(), target=shared_local[0].endpoint_url)
    page = out / "report.html"
    assert result.report is not None and result.report.output == page
    assert result.report.sample_source == "migrated"
    shot = tmp_path / "report.png"
    facts = open_report(browser, page, screenshot=shot)
    model = result.design.model
    statuses = {p.pattern_id: p.status for p in result.validate.patterns}
    assert len(statuses) == len(model.plans) == 33
    assert problems(facts, model, statuses) == [], dump(facts)
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 100_000
    # the proofs are the demo's own: its items per table and the verify verdict
    html = page.read_text(encoding="utf-8")
    assert "verify: match" in html and f"{result.migrate.totals()['items']:,} items migrated" in html
    assert page.stat().st_size < 2 * 1024 * 1024


@pytest.mark.parametrize("strategy", ["multi-table", "single-table"])
def test_design_writes_the_model_report(strategy: str, tmp_path: Path, browser: Browser) -> None:
    example = get_example("decision_data")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'source.sqlite'}")
    example.generate(engine, 20)
    engine.dispose()
    analyze(f"sqlite:///{tmp_path / 'source.sqlite'}", out_dir=tmp_path / "in", reporter=RecordingReporter())
    shutil.copy(example.access_patterns, tmp_path / "in" / "access_patterns.yaml")
    result = design(
        tmp_path / "in" / "schema.json",
        tmp_path / "in" / "access_patterns.yaml",
        out_dir=tmp_path / "out",
        reporter=RecordingReporter(),
        confirm=lambda gate, question: True,
        strategy=strategy,
    )
    page = tmp_path / "out" / "report.html"
    assert page in result.files
    statuses = {p.pattern_id: ("unvalidated" if p.supported else "unsupported") for p in result.model.plans}
    facts = open_report(browser, page)
    assert problems(facts, result.model, statuses) == [], dump(facts)
    html = page.read_text(encoding="utf-8")
    assert "No validate result given" in html and "Illustrative items" in html
    assert "SELECT" in html  # each pattern's SQL, from the patterns file design read
