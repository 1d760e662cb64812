"""The client app form; its rules are the action's (`clean_redirect_uris`, `clean_name`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import NAME_MAX


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    redirect_uris = forms.CharField(
        label=_("Redirect URIs"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line, e.g. https://app.example.com/oidc/callback."),
    )
    client_type = forms.ChoiceField(
        label=_("Client type"),
        choices=[
            ("confidential", _("Confidential (a server that keeps the secret)")),
            ("public", _("Public (a browser or mobile app, PKCE only)")),
        ],
        initial="confidential",
    )
