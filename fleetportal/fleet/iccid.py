"""Reading SIM card numbers (ICCID) as people type them (F-21, F-24).

An ICCID is 19 or 20 digits, the last one a Luhn check digit over the others (ITU-T E.118).
People copy them from the card with spaces or dashes between groups.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-.]")
_ICCID = re.compile(r"\d{19,20}")


def luhn_check_digit(digits: str) -> str:
    """The Luhn digit that, appended to `digits`, makes a valid Luhn number."""
    total = 0
    # Walking from the right, every first digit (the one next to the check digit) is doubled.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def normalize_iccid(text: str) -> str:
    """Drop spaces, dashes and dots people type between digit groups."""
    return _SEPARATORS.sub("", text or "")


def is_valid_iccid(text: str) -> bool:
    """19–20 digits (after normalising) whose last digit is the Luhn check digit."""
    iccid = normalize_iccid(text)
    if not _ICCID.fullmatch(iccid) or not iccid.isascii():
        return False
    return luhn_check_digit(iccid[:-1]) == iccid[-1]
