"""Reading mobile numbers as people type them (F-08): Belgian national, Hungarian 9-digit
national, E.164; anything else is an InvalidNumber and never another exception (R3)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fleetportal.core.phones import InvalidNumber, display, parse_mobile

pytestmark = pytest.mark.spec("F-08", "R3")

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def _spaced(draw: st.DrawFn, text: str) -> str:
    """The same digits as people type them: spaces, dots, slashes or dashes anywhere."""
    separators = st.sampled_from(["", "", " ", ".", "/", "-"])
    return "".join(ch + draw(separators) for ch in text).strip()


@st.composite
def belgian_national(draw: st.DrawFn) -> tuple[str, str]:
    """(as typed, expected E.164) for Belgian mobiles 0456, 046x … 049x."""
    prefix = draw(st.sampled_from(["456", *[f"4{a}{b}" for a in "6789" for b in "0123456789"]]))
    rest = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    national = "0" + prefix + rest
    return _spaced(draw, national), "+32" + national[1:]


@st.composite
def hungarian_national(draw: st.DrawFn) -> tuple[str, str]:
    """(as typed, expected E.164) for the Hungarian 9-digit format, with or without 06."""
    prefix = draw(st.sampled_from(["20", "30", "31", "50", "70"]))
    rest = draw(st.text(alphabet="0123456789", min_size=7, max_size=7))
    trunk = draw(st.sampled_from(["", "06"]))
    return _spaced(draw, trunk + prefix + rest), "+36" + prefix + rest


@given(belgian_national())
@example(("0470 12 34 56", "+32470123456"))
@example(("0470/12.34.56", "+32470123456"))
def test_belgian_national_reads_as_plus_32(typed: tuple[str, str]) -> None:
    text, expected = typed
    assert parse_mobile(text) == expected


@given(hungarian_national())
@example(("30 123 4567", "+36301234567"))
@example(("06 30 123 4567", "+36301234567"))
@example(("06-20-123-4567", "+36201234567"))
def test_hungarian_nine_digits_read_as_plus_36(typed: tuple[str, str]) -> None:
    text, expected = typed
    assert parse_mobile(text) == expected


@given(st.one_of(belgian_national(), hungarian_national()))
def test_e164_round_trip(typed: tuple[str, str]) -> None:
    """The E.164 result, its international display and the 00 form all read back the same."""
    _, e164 = typed
    assert parse_mobile(e164) == e164
    assert parse_mobile(display(e164)) == e164
    assert parse_mobile("00" + e164[1:]) == e164


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "0470",
        "0470 12 34 5",  # one digit short
        "0470 12 34 567",  # one digit too many
        "02 123 45 67",  # a Brussels landline
        "+32 2 123 45 67",  # the same landline in E.164
        "+",
        "++32470123456",
        "0470123456x",
        "+32470123456;DROP",
        "1 800 123 4567",
        "+1 800 123 4567",  # toll-free, not a mobile
        "40 123 4567",  # not a Hungarian mobile prefix
        "06 40 123 4567",
        "+99912345678",
    ],
)
def test_junk_is_refused(text: str) -> None:
    with pytest.raises(InvalidNumber):
        parse_mobile(text)


@given(st.text(max_size=40))
@example("\x00")
@example("0\u0664\u0667\u0660123456")  # Arabic-Indic digits
@example("+" + "9" * 300)
@example("00")
def test_any_text_is_a_valid_mobile_or_invalid_number(text: str) -> None:
    """Whatever is typed: an E.164 mobile number, or InvalidNumber. Never another exception."""
    try:
        result = parse_mobile(text)
    except InvalidNumber:
        return
    number = phonenumbers.parse(result, None)
    assert result.startswith("+") and result[1:].isascii() and result[1:].isdigit()
    assert phonenumbers.is_valid_number(number)
    assert parse_mobile(result) == result


def test_none_is_an_invalid_number() -> None:
    with pytest.raises(InvalidNumber):
        parse_mobile(None)  # type: ignore[arg-type]
