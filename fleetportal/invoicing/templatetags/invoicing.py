"""`{% load invoicing %}`: amounts in the invoice's currency ("€ 91.61", "HUF 25,400.00") in the
language's number format, and the structured communication as +++123/4567/89012+++."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format

from fleetportal.catalog.templatetags.catalog import money

from .. import ogm

register = template.Library()


@register.filter
def amount(value: Decimal | None, currency: str = "EUR") -> str:
    if value is None or currency == "EUR":
        return money(value)
    return f"{currency}\N{NO-BREAK SPACE}{number_format(value, 2, use_l10n=True, force_grouping=True)}"


@register.filter
def communication(digits: str) -> str:
    return ogm.formatted(digits) if digits else ""
