"""The employee's own lines (F-74), the confirmation of their details (R-F1) and their bundle
alerts switch (F-43), under /me/, the only pages a phone-number login reaches (R-I5). The line's
own page, its codes and the help pages are in `member_line` and `member_help`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from .. import selectors
from ..actions import line_bundle_alerts_set, line_confirm_details
from ..actions.details import PERSONAL_FIELDS
from ..forms import UserDetailsForm
from ..models import Line
from .line import details_initial
from .selection import next_url, posted_version


def my_lines(actor: Actor) -> QuerySet[Line]:
    """The lines the person uses: a number login's own number, else the lines linked to the
    login (a manager's "my line" is theirs too, not the whole fleet)."""
    lines = selectors.lines_for(actor).prefetch_related("blocks")
    if actor.number is None:
        lines = lines.filter(user=actor.user)
    return lines.exclude(status=Line.Status.STOPPED)


def own_line(actor: Actor, line_id: int) -> Line:
    """One of `my_lines`, or 404 (a colleague's line, another customer's, a number login's other line)."""
    line = my_lines(actor).filter(pk=line_id).first()
    if line is None:
        raise Http404
    return line


@login_required
@require_http_methods(["GET", "POST"])
def me_line_confirm(request: LoggedInRequest, line_id: int) -> HttpResponse:
    """Check, correct and confirm one's own details; from then on the manager no longer edits them."""
    actor = request.actor
    line = own_line(actor, line_id)
    form = UserDetailsForm(request.POST or None, initial=details_initial(line, PERSONAL_FIELDS))
    if request.method == "POST" and form.is_valid():
        try:
            line_confirm_details(actor=actor, line=line, version=posted_version(request), **form.cleaned_data)
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Thank you: your details are confirmed."))
            return redirect("member_home")
    return render(request, "fleet/me_confirm.html", {"line": line, "form": form})


@login_required
@require_POST
def me_bundle_alerts(request: LoggedInRequest, line_id: int) -> HttpResponse:
    """The member switches the SMS at 75, 90 and 100 % of their bundles on or off (F-43), back
    to the page the switch was on (the member home or the line's page)."""
    line = own_line(request.actor, line_id)
    if not request.actor.number_login_allows("alerts"):
        raise Http404
    enabled = request.POST.get("bundle_alerts") == "on"
    try:
        line_bundle_alerts_set(actor=request.actor, line=line, enabled=enabled)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("You will get an SMS when you have used 75, 90 and 100 %% of a bundle.") % {}
            if enabled
            else _("You will no longer get SMS about your bundles."),
        )
    return redirect(next_url(request, reverse("member_home")))
