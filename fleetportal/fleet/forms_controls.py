"""Forms of the line controls (F-40..F-43): the blocks as the seeds' "Blocks" tab groups and
words them, a bulk block/unblock choice, and the PayByMobile and out-of-bundle amounts.

Each value is checked by the actions' own rules (`clean_services`, `clean_blocks_change`,
`clean_amount`), so a page refuses with the message the API gives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fleetportal.accounts.forms import ActionChoiceField
from fleetportal.core.errors import ActionError
from fleetportal.core.views import form_error

from .actions.controls import clean_amount, clean_blocks_change, clean_services
from .models import Line, Service

# The seeds' blocks screen: "All services", then "General" (national) and "From abroad".
BLOCK_LABELS: dict[str, Promise] = {
    Service.ALL: _("Block all incoming and outgoing calls, SMS and mobile data"),
    Service.CALLS_IN: _("Block incoming calls"),
    Service.CALLS_OUT: _("Block outgoing calls"),
    Service.SMS_IN: _("Block incoming SMS"),
    Service.SMS_OUT: _("Block outgoing SMS"),
    Service.MMS: _("Block MMS"),
    Service.DATA: _("Block mobile data"),
    Service.INTERNATIONAL: _("Block calls from the home country to abroad"),
    Service.ROAMING_ALL: _("Block all incoming and outgoing calls, SMS and mobile data abroad"),
    Service.ROAMING_CALLS_IN: _("Block incoming calls abroad"),
    Service.ROAMING_CALLS_OUT: _("Block outgoing calls abroad"),
    Service.ROAMING_SMS: _("Block SMS abroad"),
    Service.ROAMING_DATA: _("Block mobile data abroad"),
}
SERVICE_GROUPS: list[tuple[Promise, list[str]]] = [
    (_("All services"), [Service.ALL]),
    (
        _("General"),
        [
            Service.CALLS_IN,
            Service.CALLS_OUT,
            Service.SMS_IN,
            Service.SMS_OUT,
            Service.MMS,
            Service.DATA,
            Service.INTERNATIONAL,
        ],
    ),
    (
        _("From abroad"),
        [
            Service.ROAMING_ALL,
            Service.ROAMING_CALLS_IN,
            Service.ROAMING_CALLS_OUT,
            Service.ROAMING_SMS,
            Service.ROAMING_DATA,
        ],
    ),
]


class ServicesField(forms.MultipleChoiceField):
    """Checkboxes of the services, worded as the seeds' switches ("Block mobile data") or, under
    a "Block"/"Unblock" legend, by their names (`short`); the action's rule says which values it
    knows."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, short: bool = False, **kwargs: Any):
        kwargs.setdefault("required", False)
        labels = dict(Service.choices) if short else BLOCK_LABELS
        super().__init__(choices=[(service, labels[service]) for service in Service.values], **kwargs)

    def valid_value(self, value: Any) -> bool:
        return True


def service_groups(field: forms.BoundField) -> list[tuple[Promise, list[Any]]]:
    """The field's checkboxes in the seeds' groups, for the template."""
    boxes = {box.data["value"]: box for box in field}
    return [(label, [boxes[service] for service in services]) for label, services in SERVICE_GROUPS]


class CheckedByAction(forms.Form):
    """Runs `check(data)` (an action's rule) once the fields parse; its refusal lands on its field."""

    def check(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            try:
                self.check(data)
            except ActionError as exc:
                form_error(self, exc)
        return data


class BlocksForm(CheckedByAction):
    """The Manage SIM "Blocks" tab: the services blocked on the line (F-40)."""

    blocks = ServicesField(label=_("Blocks"))

    def check(self, data: dict[str, Any]) -> None:
        data["blocks"] = clean_services(data["blocks"], field="blocks")

    def groups(self) -> list[tuple[Promise, list[Any]]]:
        return service_groups(self["blocks"])


class BlocksChangeForm(CheckedByAction):
    """The bulk change of the SIM overview's selection: services to block and to unblock."""

    block = ServicesField(label=_("Block"), short=True)
    unblock = ServicesField(label=_("Unblock"), short=True)

    def check(self, data: dict[str, Any]) -> None:
        data["block"], data["unblock"] = clean_blocks_change(data["block"], data["unblock"])

    def choice_groups(self) -> list[tuple[str, forms.BoundField, list[tuple[Promise, list[Any]]]]]:
        """Each field ("block", "unblock") with its checkboxes in the seeds' groups."""
        return [(name, self[name], service_groups(self[name])) for name in ("block", "unblock")]


class AmountField(forms.CharField):
    """An amount in EUR as people type it ("12,50"), checked by the action's rule."""

    def __init__(self, name: str, **kwargs: Any):
        self.name = name
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        try:
            return clean_amount(super().to_python(value), field=self.name)
        except ActionError as exc:
            raise forms.ValidationError(str(exc.message), code=exc.code) from exc


class LimitsForm(forms.Form):
    """The Manage SIM "PayByMobile limit" tab (F-41) with the out-of-bundle notification (F-42)."""

    paybymobile = ActionChoiceField(
        label=_("PayByMobile: payments for third-party services (SMS parking, m-commerce)"),
        choices=Line.PayByMobile.choices,
        widget=forms.RadioSelect,
    )
    paybymobile_cap = AmountField(
        "paybymobile_cap",
        label=_("Monthly limit (EUR)"),
        help_text=_("A payment over this amount in a month is refused."),
    )
    out_of_bundle_notify_at = AmountField(
        "out_of_bundle_notify_at",
        label=_("Out-of-bundle usage notification at (EUR)"),
        help_text=_(
            "The fleet managers get an e-mail when this number's usage outside its bundle reaches this "
            "amount in a month. This is a notification only: the usage is not blocked. Leave empty for none."
        ),
    )
