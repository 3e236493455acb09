"""Every shipped example's report, both strategies, in a real headless Chromium: what it shows, what it does.

Each page is checked by :func:`tests.report.expect.problems` (no console
error, no request leaving the file, every table, every pattern with its
status, every table's and index's cost bars) after a full-page screenshot.
The checker itself is tested against broken pages: an outside stylesheet,
a dropped pattern row, a script error, a missing bar.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from sql2dynamo.commands.report import report
from sql2dynamo.common.reporting import RecordingReporter
from tests.report.browser import dump, open_page, open_report, read_facts
from tests.report.expect import problems
from tests.report.runs import (
    EXAMPLES,
    STRATEGIES,
    expected_statuses,
    failing_pattern,
    fake_runs,
    load,
    model_dir,
)

MAX_BYTES = 2 * 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n"


def render(example: str, strategy: str, tmp_path: Path) -> tuple[Path, Path]:
    """(model dir, report.html) of an example with made-up validate/verify/migrate results."""
    directory = model_dir(example, strategy, tmp_path / "model")
    runs = fake_runs(load(directory), tmp_path / "runs")
    out = tmp_path / "report.html"
    report(
        directory,
        output=out,
        reporter=RecordingReporter(),
        validate=runs["validate"],
        verify=runs["verify"],
        migrate=runs["migrate"],
    )
    return directory, out


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_renders(example: str, strategy: str, tmp_path: Path, browser: Browser) -> None:
    directory, out = render(example, strategy, tmp_path)
    model = load(directory)
    assert out.stat().st_size < MAX_BYTES, f"{example}/{strategy}: {out.stat().st_size} bytes"
    shot = tmp_path / "report.png"
    facts = open_report(browser, out, screenshot=shot)
    assert problems(facts, model, expected_statuses(model)) == [], dump(facts)
    assert shot.read_bytes().startswith(PNG) and shot.stat().st_size > 50_000
    # the failing case's hostile row is shown as text, never run or fetched
    assert facts.title == f"{model.application}: {strategy} DynamoDB model"


def test_filter_sort_and_expand(tmp_path: Path, browser: Browser) -> None:
    directory, out = render("algoitny", "single-table", tmp_path)
    model = load(directory)
    page, console, requests = open_page(browser, out)
    try:
        total = len(model.plans)
        page.select_option("#pattern-status", "fail")
        facts = read_facts(page, console, requests)
        assert list(facts.patterns) == [failing_pattern(model)]
        assert page.inner_text("#pattern-shown") == f"1 of {total} patterns shown"
        page.select_option("#pattern-status", "")
        page.fill("#pattern-filter", "INSERT INTO")
        shown = read_facts(page, console, requests).patterns
        writes = {p.pattern_id for p in model.plans if p.kind == "write"}
        assert shown and set(shown) <= writes
        page.fill("#pattern-filter", "")
        page.select_option("#pattern-kind", "write")
        assert set(read_facts(page, console, requests).patterns) == writes
        page.select_option("#pattern-kind", "")

        def rps_order() -> list[float]:
            return [
                float(v)
                for v in page.eval_on_selector_all(
                    "#pattern-table tbody tr", "rs => rs.map(r => r.cells[3].getAttribute('data-value'))"
                )
            ]

        page.click("#pattern-table th:nth-child(4)")
        up = rps_order()
        assert up == sorted(up) and len(set(up)) > 1  # ascending, and there was something to sort
        page.click("#pattern-table th:nth-child(4)")
        assert rps_order() == sorted(up, reverse=True)
        assert page.get_attribute("#pattern-table th:nth-child(4)", "aria-sort") == "descending"

        row = page.locator(f"#pattern-table tr[data-pattern='{failing_pattern(model)}']")
        assert not row.locator("details.failure pre").first.is_visible()
        row.locator("details.failure summary").click()
        expanded = row.locator("details.failure").inner_text()
        assert "2 row(s) expected, 1 returned" in expanded and "window.__pwned" in expanded
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert read_facts(page, console, requests).console == ()
        assert read_facts(page, console, requests).requests == ()
    finally:
        page.close()


# ------------------------------------------------------------------ the checker catches broken pages


def _broken(tmp_path: Path, change: str) -> Path:
    directory, out = render("decision_data", "multi-table", tmp_path)
    html = out.read_text(encoding="utf-8")
    model = load(directory)
    if change == "outside-stylesheet":
        # also without the page's CSP, so the request really is attempted (and aborted by the route)
        html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        html = html.replace("</head>", '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head>')
    elif change == "outside-image-under-csp":
        html = html.replace("<main>", '<main><img src="http://127.0.0.1:9/x.png">')
    elif change == "dropped-row":
        pid = model.plans[-1].pattern_id
        html = re.sub(rf'<tr class="pattern-row"[^>]*data-pattern="{pid}".*?</tr>', "", html, count=1, flags=re.S)
    elif change == "script-error":
        html = html.replace("</body>", "<script>undefinedFunction();</script></body>")
    elif change == "missing-bar":
        html = re.sub(r'<rect class="bar[^>]*data-mode="provisioned"[^>]*>.*?</rect>', "", html, count=1, flags=re.S)
    elif change == "wrong-status":
        html = html.replace(
            '<span class="status status-pass">pass</span>', '<span class="status status-pass">fail</span>', 1
        )
    out.write_text(html, encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("outside-stylesheet", "request left the file: http://127.0.0.1:9/x.css"),
        ("outside-image-under-csp", "console: error"),
        ("dropped-row", "has no visible row"),
        ("script-error", "pageerror"),
        ("missing-bar", "cost chart has no provisioned bar"),
        ("wrong-status", "shows 'fail', validate said 'pass'"),
    ],
)
def test_the_checker_catches_a_broken_page(change: str, expected: str, tmp_path: Path, browser: Browser) -> None:
    out = _broken(tmp_path, change)
    model = load(tmp_path / "model")
    found = problems(open_report(browser, out), model, expected_statuses(model))
    assert any(expected in p for p in found), found
