from django import forms
from django.utils.translation import gettext_lazy as _

from fleetportal.core.phones import InvalidNumber, parse_mobile

from .models import ProvisioningRequest, SimulatorRule


class SimulatorRuleForm(forms.Form):
    msisdn = forms.CharField(
        label=_("Phone number"), required=False, max_length=30, help_text=_("Empty: every number.")
    )
    operation = forms.ChoiceField(
        label=_("Operation"),
        required=False,
        choices=[("", _("Every operation")), *ProvisioningRequest.Operation.choices],
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=SimulatorRule.Outcome.choices)

    def clean_msisdn(self) -> str:
        text = self.cleaned_data["msisdn"].strip()
        if not text:
            return ""
        try:
            return parse_mobile(text)
        except InvalidNumber as exc:
            raise forms.ValidationError(exc.message) from exc
