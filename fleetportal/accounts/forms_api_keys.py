"""The form of the API keys page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApiKey


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the key is for, e.g. “HR system sync”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiKey.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give a key only what it needs; “Read” lets it read everything of your company."),
    )
