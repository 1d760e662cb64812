"""A row id typed by a person or sent in a query string ("#42", "42"): only ASCII digits count
("²" and "٤٢" are digits to `str.isdigit()` but not to `int()`), and only as many as a bigint
holds, so a search or filter never turns a stray character into a 500."""

from __future__ import annotations

MAX_DIGITS = 18  # 10**18 - 1 < 2**63: every such id fits the primary keys' bigint


def row_id(text: str) -> int | None:
    """The id `text` names, or None when it is not one."""
    digits = text.strip().lstrip("#")
    if not digits or len(digits) > MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits)
