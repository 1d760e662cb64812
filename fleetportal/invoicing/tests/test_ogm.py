"""The structured communication's check digits (B2 shows it, payments match it)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fleetportal.invoicing.ogm import formatted, is_valid, structured_communication

pytestmark = pytest.mark.spec("F-61")
bases = st.integers(min_value=0, max_value=10**10 - 1)


@given(bases)
def test_check_digits_are_the_base_mod_97_or_97(base: int) -> None:
    digits = structured_communication(base)
    assert len(digits) == 12 and digits.isdigit()
    assert int(digits[:10]) == base
    check = int(digits[10:])
    assert 1 <= check <= 97
    assert check == (base % 97 or 97)
    assert is_valid(digits) and is_valid(formatted(digits))


@given(bases, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_one_changed_digit_is_caught(base: int, position: int, delta: int) -> None:
    digits = structured_communication(base)
    changed = digits[:position] + str((int(digits[position]) + delta) % 10) + digits[position + 1 :]
    assert not is_valid(changed)


def test_known_values_and_display() -> None:
    assert structured_communication(97) == "000000009797"  # 97 mod 97 = 0 → 97
    assert structured_communication(1234567890) == "123456789002"
    assert formatted("123456789002") == "+++123/4567/89002+++"
    with pytest.raises(ValueError):
        structured_communication(10**10)


@given(st.text(max_size=20))
def test_any_text_is_valid_or_not_never_an_error(text: str) -> None:
    """Found by fuzzing the staff API: "²" is a digit to `str.isdigit()` but not to `int()`."""
    assert is_valid(text) in (True, False)
    assert not is_valid("²" * 12)
