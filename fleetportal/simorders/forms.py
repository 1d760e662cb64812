"""The order form (the seeds' blank SIM order: number of cards, address, message). It only
collects what was typed: every rule is the action's (`rules.py`), so the page and the API give
the same message on the same field; the lengths come from the model."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fleetportal.fleet.actions.common import max_length
from fleetportal.fleet.models import SimCard

from .models import SimOrder
from .rules import MAX_QUANTITY, MIN_QUANTITY, STEP


def _text(label: Any, name: str, help_text: Any = "") -> forms.CharField:
    """A text field as long as the model's; left to the action to require (its message)."""
    return forms.CharField(label=label, required=False, max_length=max_length(SimOrder, name), help_text=help_text)


class OrderForm(forms.Form):
    quantity = forms.CharField(
        label=_("Number of SIM cards"),
        required=False,
        max_length=6,
        help_text=_("In multiples of 10, from 10 to 1000."),
        widget=forms.NumberInput(attrs={"min": MIN_QUANTITY, "max": MAX_QUANTITY, "step": STEP}),
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=SimCard.Kind.choices, initial=SimCard.Kind.PHYSICAL, widget=forms.RadioSelect
    )
    country = forms.ChoiceField(label=_("Country"), choices=SimOrder.Country.choices, required=False)
    postal_code = _text(_("Postal code"), "postal_code")
    locality = _text(_("Locality"), "locality")
    street = _text(_("Street"), "street")
    number = _text(_("Number"), "number")
    suffix = _text(_("Number suffix"), "suffix", _("If needed."))
    box = _text(_("Box"), "box", _("If needed."))
    message = forms.CharField(
        label=_("Your message"),
        required=False,
        max_length=max_length(SimOrder, "message"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
