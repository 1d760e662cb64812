"""Retrying a line's failed network change from whichever page shows it (R4)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest

from .. import selectors
from ..actions import provisioning_retry
from ..policy import FLEET


def _back(request: LoggedInRequest) -> str:
    """The page the retry button was on (the snippet sends it), else home."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


@require_POST
@manager_required(FLEET, staff=True)
def network_retry(request: LoggedInRequest, line_id: int) -> HttpResponse:
    line = selectors.line_for(request.actor, line_id)
    try:
        provisioning_retry(actor=request.actor, line=line)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The change was sent to the network again."))
    return redirect(_back(request))
