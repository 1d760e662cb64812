"""Row ids typed by people: ASCII digits that fit a bigint, or nothing (never an exception)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetportal.core.ids import MAX_DIGITS, row_id

pytestmark = pytest.mark.spec("R3")


@given(st.text(max_size=30))
def test_any_text_is_an_id_or_none(text: str) -> None:
    found = row_id(text)
    plain = text.strip().lstrip("#")
    if found is None:
        assert not (plain.isascii() and plain.isdigit() and 0 < len(plain) <= MAX_DIGITS)
    else:
        assert str(found) == plain.lstrip("0") or (found == 0 and set(plain) == {"0"})
        assert 0 <= found < 2**63


@given(st.integers(min_value=0, max_value=10**MAX_DIGITS - 1))
def test_every_id_a_person_types_reads_back(number: int) -> None:
    assert row_id(f"#{number}") == row_id(f" {number} ") == number


@pytest.mark.parametrize("text", ["²", "٤٢", "#", "", "12a", "1" * (MAX_DIGITS + 1), "-5", "+7"])
def test_not_an_id(text: str) -> None:
    assert row_id(text) is None
