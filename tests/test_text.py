"""``shorten``: one-line messages cut at a word boundary, never inside a word or a quoted name."""

from __future__ import annotations

import pytest

from sql2dynamo.common.text import ELLIPSIS, shorten

FK = "CONSTRAINT `dept_emp_ibfk_1` FOREIGN KEY (`emp_no`) REFERENCES `employees` (`emp_no`) ON DELETE CASCADE"


def test_short_text_is_kept_on_one_line() -> None:
    assert shorten("SELECT *\n  FROM users", 40) == "SELECT * FROM users"


@pytest.mark.parametrize("limit", range(20, len(FK)))
def test_long_text_ends_on_a_whole_word_with_an_ellipsis(limit: int) -> None:
    out = shorten(FK, limit)
    assert len(out) <= limit and out.endswith(ELLIPSIS)
    kept = out[: -len(ELLIPSIS)]
    assert FK.startswith(kept)
    assert FK[len(kept)] == " "  # the cut is at a word boundary of the original
    assert kept.count("`") % 2 == 0  # no quoted name opened and left unclosed
    assert not kept.endswith((" ", "(", ","))


def test_the_reported_cut_no_longer_ends_inside_a_quote() -> None:
    cut = shorten(FK + " `x`", FK.index("CASCADE") + 2)
    assert cut.endswith("ON DELETE" + ELLIPSIS)


def test_one_long_word_is_cut_inside_as_nothing_else_fits() -> None:
    assert shorten("x" * 50, 10) == "x" * 9 + ELLIPSIS
