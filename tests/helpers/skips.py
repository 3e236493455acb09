"""What a test does when a real server it needs is missing: skip loudly outside CI, fail under ``CI=true``."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI") == "true"


def skip_or_fail(message: str) -> NoReturn:
    """Skip the test with ``message``; under ``CI=true`` fail it instead, since nothing may be skipped there."""
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def shout(terminalreporter: pytest.TerminalReporter, text: str) -> None:
    """A red, bold line closing the run, so that skipped servers are not missed in the output."""
    terminalreporter.write_line(f"!!!!! {text} !!!!!", red=True, bold=True)
