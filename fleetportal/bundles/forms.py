"""The group bundle pages' forms. They parse what was typed; the rules (the offer of the pool's
contract, the name, the notification amount) are the actions', so a page and the API refuse
alike: the amount is a text field the action checks, with its own message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fleetportal.catalog.models import ContractGroupBundle
from fleetportal.catalog.templatetags.catalog import bundle, money
from fleetportal.fleet.actions.common import max_length

from .models import GroupBundle


class OfferField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.offer.name} ({bundle(obj.offer)}) · {money(obj.monthly_price)} · {obj.contract.number}"


class PoolForm(forms.Form):
    offer = OfferField(label=_("Group bundle"), queryset=ContractGroupBundle.objects.none(), empty_label=None)
    name = forms.CharField(label=_("Name"), max_length=max_length(GroupBundle, "name"))
    out_of_bundle_notify_at = forms.CharField(
        label=_("Notify the managers when the out-of-bundle cost reaches (EUR)"),
        required=False,
        max_length=20,
        help_text=_("Leave empty for no notification. You are only notified: usage is never blocked."),
    )

    def __init__(self, *args: Any, offers: QuerySet[ContractGroupBundle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = offers  # type: ignore[attr-defined]


class NumbersForm(forms.Form):
    numbers = forms.CharField(
        label=_("Phone numbers to add"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        help_text=_("One or more of your numbers, separated by commas or new lines."),
    )
