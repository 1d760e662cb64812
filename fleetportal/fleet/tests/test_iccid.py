"""ICCID parsing (F-21, F-24, R3): 19–20 digits with a Luhn check digit, typed with spaces or
dashes; anything else is refused and never raises."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fleetportal.fleet.iccid import is_valid_iccid, luhn_check_digit, normalize_iccid
from fleetportal.fleet.tests.factories import make_iccid

pytestmark = pytest.mark.spec("F-21", "F-24", "R3")

bodies = st.text(alphabet="0123456789", min_size=18, max_size=19)


def _spaced(draw: st.DrawFn, text: str) -> str:
    separators = st.sampled_from(["", "", "", " ", "-"])
    return "".join(ch + draw(separators) for ch in text).strip(" -")


@st.composite
def typed_iccids(draw: st.DrawFn) -> tuple[str, str]:
    """(as typed, the ICCID) for a valid 19- or 20-digit ICCID."""
    body = draw(bodies)
    iccid = body + luhn_check_digit(body)
    return _spaced(draw, iccid), iccid


@given(typed_iccids())
@example(("8932 0000 0000 0000 0006", "89320000000000000006"))
def test_valid_iccids_are_accepted_however_spaced(typed: tuple[str, str]) -> None:
    text, iccid = typed
    assert normalize_iccid(text) == iccid
    assert is_valid_iccid(text)


@given(bodies, st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_refused(body: str, offset: int) -> None:
    wrong = (int(luhn_check_digit(body)) + offset) % 10
    assert not is_valid_iccid(body + str(wrong))


@given(bodies.map(lambda b: b + luhn_check_digit(b)), st.integers(min_value=0, max_value=17), st.integers(1, 9))
def test_a_single_mistyped_digit_is_caught(iccid: str, position: int, delta: int) -> None:
    """Luhn catches every single-digit error: the reason it is on the card."""
    mistyped = iccid[:position] + str((int(iccid[position]) + delta) % 10) + iccid[position + 1 :]
    assert not is_valid_iccid(mistyped)


@given(st.text(alphabet="0123456789", min_size=1, max_size=17) | st.text(alphabet="0123456789", min_size=21))
def test_wrong_lengths_are_refused(digits: str) -> None:
    assert not is_valid_iccid(digits + luhn_check_digit(digits))


@given(st.text())
@example("８９３２０００００００００００００００００６")  # full-width digits are not ASCII digits
@example("")
def test_any_text_answers_without_raising(text: str) -> None:
    if is_valid_iccid(text):
        iccid = normalize_iccid(text)
        assert len(iccid) in (19, 20) and iccid.isascii() and iccid.isdigit()


def test_known_luhn_values() -> None:
    assert luhn_check_digit("7992739871") == "3"  # the textbook example
    assert is_valid_iccid("8932000000000000000 6".replace(" ", ""))
    assert make_iccid(1) != make_iccid(2)
    assert is_valid_iccid(make_iccid(12345))
