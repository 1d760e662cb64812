"""The forms of staff's billing back office (`views_staff.py`): start a run, credit an invoice,
mark a bank transfer received, import a bank statement, match a statement line by hand. They
only read the input; the actions check it (a future period, an amount over the balance)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.models import Customer

from .bank_statements import MAX_BYTES


class MonthField(forms.Field):
    """A month as `YYYY-MM` (an `<input type="month">`), the first day of it."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"})

    def to_python(self, value: Any) -> dt.date | None:
        text = str(value or "").strip()[:20]
        if not text:
            return None
        try:
            return dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-11."), code="invalid") from None


class RunForm(forms.Form):
    period = MonthField(label=_("Period"))
    customer = forms.ModelChoiceField(
        Customer.objects.order_by("name"), required=False, label=_("Customer"), empty_label=_("All customers")
    )


class CreditForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ReceivedForm(forms.Form):
    """A bank transfer received: its amount is read by the action (which names `amount` when it
    is not a number), its day must not be in the future."""

    amount = forms.CharField(label=_("Amount received"), max_length=30)
    received_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False)

    def clean_received_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The day it was received cannot be in the future."), code="future")
        return day


class StatementForm(forms.Form):
    file = forms.FileField(label=_("Bank statement (CAMT.053 XML or CODA)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."), code="too_large")
        return upload


class MatchForm(forms.Form):
    number = forms.CharField(label=_("Invoice number"), max_length=20)
