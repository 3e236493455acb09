"""Regenerate the README's screenshot of the report: ``make report-screenshot``.

Runs the AlgoItny demo (single-table, so one table shows every entity
colour-coded and the item collections) into a temporary directory, opens its
``report.html`` in Debian's headless Chromium through Playwright, and saves
the top of the page as a PNG.  ``--target`` picks the local DynamoDB the demo
uses (default: the managed DynamoDB Local).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1400, 1500


def shoot(page_file: Path, png: Path) -> None:
    """The top WIDTH x HEIGHT pixels of ``page_file`` as rendered by Chromium, into ``png``."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.route(
                "**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()
            )
            page.goto(page_file.resolve().as_uri(), wait_until="load")
            png.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(png))
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("docs/report-algoitny.png"))
    parser.add_argument("--target", default="local", help="the demo's local DynamoDB (default: local)")
    parser.add_argument("--rows", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="s2d-report-") as tmp:
        demo = [sys.executable, "-m", "sql2dynamo", "demo", "-o", tmp, "--rows", str(args.rows)]
        subprocess.run([*demo, "--strategy", "single-table", "--target", args.target], check=True)
        shoot(Path(tmp) / "report.html", args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
