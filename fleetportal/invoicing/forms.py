"""The forms of the invoice pages: the overview's filter and the direct debit mandate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import STATUSES


class InvoiceFilterForm(forms.Form):
    """Billing account, year and status (a bad value is a field error, the filter ignored)."""

    account = forms.TypedChoiceField(label=_("Billing account"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: object, accounts: list[tuple[int, str]], years: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["account"].choices = [("", _("All billing accounts")), *accounts]  # type: ignore[attr-defined]
        self.fields["year"].choices = [("", _("All years")), *((y, str(y)) for y in years)]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", _("Any status")), *STATUSES.items()]  # type: ignore[attr-defined]

    def criteria(self) -> dict[str, object]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"account": data["account"], "year": data["year"], "status": data["status"] or ""}


class MandateForm(forms.Form):
    """A SEPA direct debit mandate; the action checks the IBAN and BIC (`mandate_request`)."""

    holder_name = forms.CharField(label=_("Account holder"), max_length=70)
    iban = forms.CharField(label=_("IBAN"), max_length=42, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    bic = forms.CharField(label=_("BIC"), max_length=14)
    accept = forms.BooleanField(
        label=_("I authorise the operator to collect the invoices of this account from this bank account.")
    )
