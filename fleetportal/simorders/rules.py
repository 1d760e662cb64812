"""What an order may say (F-71), checked by the action so the page and the API refuse alike:
each refusal is an `ActionError` naming its field, with a translated message."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from fleetportal.core.errors import ActionError
from fleetportal.fleet.actions.common import max_length
from fleetportal.fleet.models import SimCard

from .models import SimOrder

STEP = 10  # blank cards come in boxes of ten
MIN_QUANTITY = 10
MAX_QUANTITY = 1000
_POSTAL_CODE = re.compile(r"[1-9]\d{3}")  # Belgium and Hungary alike
ADDRESS_FIELDS = ("country", "postal_code", "locality", "street", "number", "suffix", "box")
REQUIRED = {
    "locality": _("Enter the locality."),
    "street": _("Enter the street."),
    "number": _("Enter the house number."),
}


@dataclass(frozen=True)
class Address:
    country: str
    postal_code: str
    locality: str
    street: str
    number: str
    suffix: str = ""
    box: str = ""

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in ADDRESS_FIELDS}


def clean_quantity(value: Any) -> int:
    """A whole number of cards, a multiple of 10 from 10 to 1000 (a text as typed, or a number)."""
    if isinstance(value, bool):
        value = None
    try:
        quantity = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ActionError(_("Enter the number of SIM cards as a whole number."), field="quantity") from None
    if quantity % STEP:
        raise ActionError(_("Order blank SIM cards in multiples of 10."), field="quantity")
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        raise ActionError(
            _("Order from %(min)s to %(max)s SIM cards at a time.") % {"min": MIN_QUANTITY, "max": MAX_QUANTITY},
            field="quantity",
        )
    return quantity


def clean_kind(value: Any) -> str:
    if value not in SimCard.Kind.values:
        raise ActionError(_("Choose physical SIM cards or eSIMs."), field="kind")
    return str(value)


def clean_text(value: Any, field: str, *, multiline: bool = False) -> str:
    """`value` trimmed (spaces run together unless `multiline`), within the model's length,
    without control characters."""
    text = str(value or "").strip()
    if not multiline:
        text = " ".join(text.split())
    allowed = {"\n", "\r", "\t"} if multiline else set()
    if any(unicodedata.category(char) == "Cc" and char not in allowed for char in text):
        raise ActionError(_("Enter this without control characters."), field=field)
    limit = max_length(SimOrder, field)
    if limit and len(text) > limit:
        raise ActionError(_("Enter at most %(n)s characters.") % {"n": limit}, field=field)
    return text


def clean_address(**fields: Any) -> Address:
    country = str(fields.get("country") or "").strip().upper()
    if country not in SimOrder.Country.values:
        raise ActionError(_("Choose Belgium or Hungary: we deliver there."), field="country")
    postal_code = clean_text(fields.get("postal_code"), "postal_code")
    if not postal_code:
        raise ActionError(_("Enter the postal code."), field="postal_code")
    if not _POSTAL_CODE.fullmatch(postal_code):
        raise ActionError(_("Enter a postal code of 4 digits."), field="postal_code")
    texts = {name: clean_text(fields.get(name), name) for name in ("locality", "street", "number", "suffix", "box")}
    for name, message in REQUIRED.items():
        if not texts[name]:
            raise ActionError(message, field=name)
    return Address(country=country, postal_code=postal_code, **texts)
