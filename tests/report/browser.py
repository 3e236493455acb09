"""Open a report in a real headless Chromium (Debian's, driven by Playwright) and read what a person would see.

:func:`open_report` loads the file, records every console message of type
error or warning, every uncaught page error and every request whose URL is
not the file itself (those are aborted, so nothing leaves the machine),
optionally takes a full-page screenshot, and reads the DOM into a
:class:`PageFacts`: the table cards, the pattern rows with their statuses,
the cost chart's bars.  Chromium comes from Debian's package (``make
browser`` installs it); Playwright's own browser download is never used.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--mute-audio",
)
VIEWPORT = {"width": 1400, "height": 1000}


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright; a missing browser is an error naming the fix."""
    if shutil.which(CHROMIUM) is None:
        raise RuntimeError(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=list(ARGS))
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class PageFacts:
    """What the loaded page showed and did."""

    console: tuple[str, ...]
    requests: tuple[str, ...]
    title: str
    tables: tuple[str, ...]
    patterns: dict[str, str]  # pattern id -> the status its row shows (its visible badge)
    row_statuses: dict[str, str]  # pattern id -> the row's data-status
    bars: tuple[dict[str, str], ...]
    sample_items: dict[str, int]  # table -> item rows in its sample grid
    collections: dict[str, int]  # table -> partitions in its sample grid
    sections: tuple[str, ...]


_READ_DOM = """
() => {
  const data = (el, name) => el.getAttribute(name) || "";
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const cards = [...document.querySelectorAll("article.table-card")];
  const rows = [...document.querySelectorAll("#pattern-table tbody tr.pattern-row")];
  return {
    title: document.title,
    tables: cards.filter(visible).map((c) => data(c, "data-table")),
    patterns: rows.filter(visible).map((r) => [data(r, "data-pattern"),
      (r.querySelector(".status") || {textContent: ""}).textContent.trim().toLowerCase(), data(r, "data-status")]),
    bars: [...document.querySelectorAll("#cost-chart rect.bar")].map((b) => ({
      table: data(b, "data-table"), index: data(b, "data-index"), mode: data(b, "data-mode"),
      part: data(b, "data-part"), width: data(b, "width"), dollars: data(b, "data-dollars")})),
    samples: cards.map((c) => [data(c, "data-table"), c.querySelectorAll("table.items tr.item").length,
      c.querySelectorAll("table.items tbody.collection").length]),
    sections: [...document.querySelectorAll("main > section")].filter(visible).map((s) => s.id),
  };
}
"""


def open_page(browser: Browser, path: Path) -> tuple[Page, list[str], list[str]]:
    """A page with ``path`` loaded; the lists fill with console errors and outside requests as they happen."""
    url = path.resolve().as_uri()
    page = browser.new_page(viewport=VIEWPORT)
    console: list[str] = []
    requests: list[str] = []

    def on_console(message: Any) -> None:
        if message.type in ("error", "warning"):
            console.append(f"{message.type}: {message.text}")

    def on_request(request: Request) -> None:
        if request.url != url:
            requests.append(request.url)

    def route(route: Route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            route.abort()

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
    page.on("request", on_request)
    page.on("requestfailed", lambda r: requests.append(r.url) if r.url != url and r.url not in requests else None)
    page.route("**/*", route)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, console, requests


def read_facts(page: Page, console: list[str], requests: list[str]) -> PageFacts:
    """The page's facts as they stand now."""
    dom = page.evaluate(_READ_DOM)
    return PageFacts(
        console=tuple(console),
        requests=tuple(dict.fromkeys(requests)),
        title=dom["title"],
        tables=tuple(dom["tables"]),
        patterns={pid: shown for pid, shown, _ in dom["patterns"]},
        row_statuses={pid: status for pid, _, status in dom["patterns"]},
        bars=tuple(dom["bars"]),
        sample_items={t: n for t, n, _ in dom["samples"]},
        collections={t: n for t, _, n in dom["samples"]},
        sections=tuple(dom["sections"]),
    )


def open_report(browser: Browser, path: Path, screenshot: Path | None = None) -> PageFacts:
    """Load ``path``, screenshot it (full page) when asked, and read its facts."""
    page, console, requests = open_page(browser, path)
    try:
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=True)
        return read_facts(page, console, requests)
    finally:
        page.close()


def dump(facts: PageFacts) -> str:
    """The facts as JSON, for assertion messages."""
    return json.dumps(facts.__dict__, indent=1, default=str)[:4000]
