"""The endpoint form of the webhooks pages; the rules (https, public address, known events)
are the action's, so the page and the API give the same message."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import DESCRIPTION_MAX, URL_MAX
from .selectors import event_choices


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=URL_MAX,
        help_text=_("Where the portal POSTs the events, e.g. https://hooks.example.com/fleet."),
    )
    description = forms.CharField(label=_("Description"), max_length=DESCRIPTION_MAX, required=False)
    events = forms.MultipleChoiceField(label=_("Events"), choices=event_choices, widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
