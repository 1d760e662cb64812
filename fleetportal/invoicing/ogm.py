"""Belgian structured communication ("OGM", +++123/4567/89012+++) of a bank transfer.

Twelve digits: a ten-digit base and two check digits, the base modulo 97 (97 when that is 0).
An invoice's base is its year and sequence (`numbers.communication_base`), so a payment that
carries it names exactly one invoice. Stored as the twelve digits; `formatted` is for display.
"""

from __future__ import annotations

BASE_LIMIT = 10**10


def structured_communication(base: int) -> str:
    """The twelve digits for a base of at most ten digits (ValueError otherwise)."""
    if not 0 <= base < BASE_LIMIT:
        raise ValueError(f"a structured communication's base has at most 10 digits: {base}")
    return f"{base:010d}{base % 97 or 97:02d}"


def is_valid(digits: str) -> bool:
    """Twelve digits whose last two are the check digits of the first ten (spaces, slashes and
    plus signs of the display form ignored)."""
    plain = "".join(c for c in digits if c not in "+/ ")
    return (
        len(plain) == 12 and plain.isascii() and plain.isdigit() and structured_communication(int(plain[:10])) == plain
    )


def formatted(digits: str) -> str:
    """+++123/4567/89012+++ for the stored twelve digits."""
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"
