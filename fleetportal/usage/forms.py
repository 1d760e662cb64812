"""The usage pages' forms: the period picker (F-56) and the staff's usage file upload (F-55)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Customer

from . import reports

SORTS = {
    "number": ("line__msisdn",),
    "data": ("-data_mb", "line__msisdn"),
    "cost": ("-out_of_bundle_eur", "line__msisdn"),
}


def period_label(period: dt.date) -> str:
    """ "March 2026" in the active language."""
    return formats.date_format(period, "F Y")


class PeriodField(forms.Field):
    """A period as `YYYY-MM` (empty: the current one), read by `reports.read_period`."""

    def to_python(self, value: Any) -> dt.date:
        try:
            return reports.read_period(str(value or "")[:20])
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class UsageFilterForm(forms.Form):
    """The usage page's query string: the period, a billing account or tag, the lines' order."""

    period = PeriodField(label=_("Period"), required=False)
    account = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    tag = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def value(self, name: str) -> Any:
        """The cleaned value, or its default when the form did not validate."""
        data = getattr(self, "cleaned_data", {})
        if name == "period":
            return data.get("period") or reports.current_period()
        return data.get(name) or None


class UsageFileForm(forms.Form):
    """A usage file for one customer's lines, or (no customer) the operator's whole feed."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.order_by("name"),
        required=False,
        label=_("Customer"),
        empty_label=_("All customers (the operator's feed)"),
    )
    file = forms.FileField(label=_("Usage file (CSV, or gzip of it)"))
