"""Reading mobile numbers as people type them (F-08): Belgian `0470 12 34 56`, Hungarian
9-digit national `30 123 4567` (or with the `06` trunk prefix), or E.164 `+32 470 …`."""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s./\-()]")
_HUNGARIAN_MOBILE_PREFIXES = ("20", "30", "31", "50", "70")


class InvalidNumber(ValueError):
    message = _("Enter a mobile number such as 0470 12 34 56, 30 123 4567 or +32 470 12 34 56.")


def parse_mobile(text: str) -> str:
    """Return the number in E.164, or raise InvalidNumber."""
    digits = _SEPARATORS.sub("", text or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        region = None
    elif len(digits) == 10 and digits.startswith("04"):
        region = "BE"
    elif len(digits) == 9 and digits.startswith(_HUNGARIAN_MOBILE_PREFIXES):
        region, digits = "HU", "06" + digits
    elif len(digits) == 11 and digits.startswith("06") and digits[2:4] in _HUNGARIAN_MOBILE_PREFIXES:
        region = "HU"
    else:
        raise InvalidNumber(text)
    if not re.fullmatch(r"\+?\d{6,15}", digits):
        raise InvalidNumber(text)
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(text) from exc
    kind = phonenumbers.number_type(number)
    mobile = kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not phonenumbers.is_valid_number(number) or not mobile:
        raise InvalidNumber(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display(e164: str) -> str:
    """+32470000003 → +32 470 00 00 03."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
