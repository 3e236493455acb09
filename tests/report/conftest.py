"""The report tests' fixture: a real Chromium (their inputs are in :mod:`tests.report.runs`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.report.browser import chromium


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, shared by the session's tests."""
    with chromium() as b:
        yield b
