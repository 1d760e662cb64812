"""The line controls' pages (F-40..F-43): the Manage SIM page's "Blocks" and "PayByMobile
limit" tabs, and blocks in bulk for the SIM overview's selection (choose → review per number →
apply, all or nothing, like the plan change). The member's bundle alerts switch is on /me/
(`member.me_bundle_alerts`).

Each form hands its values to the action; what the action refuses shows on the field it names.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from ..actions import line_blocks_set, line_limits_change, lines_blocks_change
from ..actions.controls import review_blocks_change
from ..forms_controls import BlocksChangeForm, BlocksForm, LimitsForm
from ..models import BulkJob, Line, Service
from ..policy import FLEET
from .changes import with_selection
from .products import Flow, review_page
from .selection import Selection, posted_version

# The Manage SIM page's tabs of this module, as the seeds name them.
TABS = [("blocks", gettext_lazy("Blocks")), ("limits", gettext_lazy("PayByMobile limit"))]


def blocks_of(line: Line) -> list[tuple[str, str, int | None]]:
    """The line's blocks as the page shows them: (service, name, rule id), in catalogue order."""
    rows = dict(line.blocks.values_list("service", "rule_id"))
    return [(service, str(label), rows[service]) for service, label in Service.choices if service in rows]


def _limits_initial(line: Line) -> dict[str, Any]:
    return {name: getattr(line, name) for name in ("paybymobile", "paybymobile_cap", "out_of_bundle_notify_at")}


def control_form(request: LoggedInRequest, line: Line, tab: str) -> tuple[forms.Form, bool]:
    """The tab's form, bound to the POST if there is one, and whether the action took it."""
    data = request.POST if request.method == "POST" else None
    form: forms.Form
    if tab == "blocks":
        form = BlocksForm(data, initial={"blocks": [service for service, _label, _rule in blocks_of(line)]})
    else:
        form = LimitsForm(data, initial=_limits_initial(line))
    if form.is_bound and form.is_valid():
        values = form.cleaned_data
        try:
            if tab == "blocks":
                line_blocks_set(
                    actor=request.actor, line=line, services=values["blocks"], version=posted_version(request)
                )
            else:
                line_limits_change(actor=request.actor, line=line, version=posted_version(request), **values)
        except ActionError as exc:
            form_error(form, exc)
        else:
            return form, True
    return form, False


def _blocks_done(count: int, data: dict[str, Any]) -> str:
    return ngettext(
        "The blocks of %(count)d number were changed.", "The blocks of %(count)d numbers were changed.", count
    ) % {"count": count}


BLOCKS_FLOW = Flow(
    template="fleet/blocks_change.html",
    choice=lambda data: [data["block"], data["unblock"]],
    review=lambda lines, data: review_blocks_change(lines, block=data["block"], unblock=data["unblock"]),
    apply=lambda actor, lines, data, versions: lines_blocks_change(
        actor=actor, lines=lines, block=data["block"], unblock=data["unblock"], versions=versions
    ),
    done=_blocks_done,
    job_kind=BulkJob.Kind.BLOCKS,
    job_params=lambda data: {"block": data["block"], "unblock": data["unblock"]},
)


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
@with_selection
def fleet_blocks_change(request: LoggedInRequest, selection: Selection) -> HttpResponse:
    """Services to block and unblock → review per number (blocks before, what changes, a line
    that refuses) → apply, all or nothing (F-40)."""
    data = request.POST if request.method == "POST" and "stage" in request.POST else None
    return review_page(request, selection, BlocksChangeForm(data), BLOCKS_FLOW)
