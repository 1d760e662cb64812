"""The audit log page (F-33): who changed what, when, through which channel, before → after;
`?format=csv` downloads the same filter as a file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.audit_display import changes
from fleetportal.core.audit_labels import action_choices
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.models import Customer
from fleetportal.core.selectors import audit_actions_for, audit_events_for, check_period
from fleetportal.core.views import form_error

from .export import audit_export

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.all(), required=False, empty_label=_("All customers")
    )
    number = forms.CharField(label=_("Phone number"), max_length=32, required=False)
    user = forms.CharField(label=_("User (e-mail)"), max_length=254, required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, actions: list[str], staff: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        action: forms.ChoiceField = self.fields["action"]  # type: ignore[assignment]
        action.choices = [("", _("All actions")), *action_choices(actions)]
        if not staff:
            del self.fields["customer"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            check_period(data.get("date_from"), data.get("date_to"))
        except ActionError as error:
            form_error(self, error)
        return data


@manager_required(staff=True)
@require_GET
def audit_log(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    form = AuditFilterForm(request.GET or None, actions=audit_actions_for(actor), staff=actor.is_staff)
    # Fields that validated still filter the page; a bad one shows its error (and stops a download).
    valid = form.is_valid() if form.is_bound else True
    criteria: dict[str, Any] = getattr(form, "cleaned_data", {})
    customer = criteria.get("customer")
    events = audit_events_for(
        actor,
        customer_id=customer.pk if customer else None,
        number=criteria.get("number", ""),
        user=criteria.get("user", ""),
        action=criteria.get("action", ""),
        date_from=criteria.get("date_from"),
        date_to=criteria.get("date_to"),
    )
    if request.GET.get("format") == "csv" and valid:
        export = audit_export(actor=actor, events=events, criteria=criteria)
        response = StreamingHttpResponse(export.body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, export.filename) or ""
        response["Cache-Control"] = "no-store"
        return response  # type: ignore[return-value]  # the guards are typed for HttpResponse
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(event, changes(event)) for event in page]
    return render(request, "audit/audit_log.html", {"form": form, "page": page, "rows": rows})
