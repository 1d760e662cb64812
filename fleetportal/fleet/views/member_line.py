"""One of the employee's own lines at /me/lines/<id>/ (F-74): plan, options, number, SIM card,
blocks and limits, the bundle alerts switch, the confirmation of their details (R-F1), links to
their usage, invoices and the help pages; the SIM's PIN, PUK and eSIM activation code are hidden
until they click (an htmx POST to `sim_codes_reveal`, audited and limited).

The eSIM's QR code is served only to the line's own user and only shortly after they had the
codes shown in this session: the image holds the activation code, so it must not be a way
around the audited click.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest

from ..actions.codes import SimCodes, TooManyReveals, sim_codes_reveal
from ..esim import qr_png
from ..models import Line, SimCard
from .member import own_line

# Session key: {line id: when its codes were last shown}, for the QR code image.
CODES_SHOWN = "fp_codes_shown"
QR_WINDOW_SECONDS = 15 * 60


def _context(request: LoggedInRequest, line: Line, **extra: Any) -> dict[str, Any]:
    return {"line": line, "back_url": reverse("me_line", args=[line.pk]), **extra}


@never_cache
@login_required
@require_GET
def me_line(request: LoggedInRequest, line_id: int) -> HttpResponse:
    line = own_line(request.actor, line_id)
    return render(request, "fleet/me_line.html", _context(request, line))


@never_cache
@login_required
@require_POST
def me_codes_reveal(request: LoggedInRequest, line_id: int) -> HttpResponse:
    """Show the SIM's codes: the codes block for htmx, else the whole line page with them. Over
    the hourly limit the answer is 429 with the reason; to htmx, which swaps only 2xx answers,
    the same block with the reason and 200."""
    line = own_line(request.actor, line_id)
    codes: SimCodes | None = None
    error = ""
    status = 200
    try:
        codes = sim_codes_reveal(actor=request.actor, line=line)
    except ActionError as exc:
        error = str(exc.message)
        status = 429 if isinstance(exc, TooManyReveals) else 400
    else:
        shown = dict(request.session.get(CODES_SHOWN, {}))
        shown[str(line.pk)] = int(time.time())
        request.session[CODES_SHOWN] = shown
    context = _context(request, line, codes=codes, codes_error=error)
    if request.headers.get("HX-Request"):
        return render(request, "fleet/me_codes.html", context)
    return render(request, "fleet/me_line.html", context, status=status)


@never_cache
@login_required
@require_GET
def me_esim_qr(request: LoggedInRequest, line_id: int) -> HttpResponse:
    """The eSIM's activation code as a QR code PNG, to scan with the phone that installs it."""
    line = own_line(request.actor, line_id)
    shown = request.session.get(CODES_SHOWN, {}).get(str(line.pk))
    sim = line.sim
    if (
        shown is None
        or time.time() - shown > QR_WINDOW_SECONDS
        or sim is None
        or sim.kind != SimCard.Kind.ESIM
        or not sim.activation_code
    ):
        raise Http404
    response = HttpResponse(qr_png(sim.activation_code), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="esim-{line.msisdn.lstrip("+")}.png"'
    return response
