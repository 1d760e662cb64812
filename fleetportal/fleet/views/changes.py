"""Pages that change a line's life: activate on a date (F-22), suspend/reactivate (F-25) for one
or many lines, SIM swap (F-24) and stop number (F-26) for one, cancelling a planned change.

Each page parses its form and calls the action; what the action refuses shows on the field it
names, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.views import form_error

from .. import actions, selectors
from ..actions.common import date_label
from ..bulk_jobs import runs_as_job
from ..forms import ActivateForm, StopForm, SwapForm, SwitchForm, TagsForm
from ..models import BulkJob
from ..policy import FLEET
from .jobs import queue_bulk_job
from .selection import EmptySelection, Selection, next_url, posted_version, read_selection

SelectionView = Callable[..., HttpResponse]


def with_selection(view: SelectionView) -> SelectionView:
    """Pass the request's selection to the view; with none, back to the overview."""

    @wraps(view)
    def wrapped(request: LoggedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            selection = read_selection(request)
        except EmptySelection:
            messages.error(request, _("Select at least one SIM card first."))
            return redirect("fleet_lines")
        return view(request, selection, *args, **kwargs)

    return wrapped


def submitted(request: LoggedInRequest) -> Any:
    """The form's data once the user confirmed; None on arrival from the overview."""
    return request.POST if request.method == "POST" and "confirm" in request.POST else None


def render_change(
    request: LoggedInRequest,
    selection: Selection,
    form: forms.Form,
    *,
    title: str,
    intro: str,
    confirm: str,
) -> HttpResponse:
    return render(
        request,
        "fleet/change.html",
        {
            "selection": selection,
            "form": form,
            "title": title,
            "intro": intro,
            "confirm_label": confirm,
            "next": next_url(request, ""),
            "back": next_url(request, reverse("fleet_lines")),
        },
    )


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
@with_selection
def fleet_activate(request: LoggedInRequest, selection: Selection) -> HttpResponse:
    """Activate pending SIM cards today or on a later date (F-22)."""
    form = ActivateForm(submitted(request), initial={"date": timezone.localdate()})
    if form.is_bound and form.is_valid():
        try:
            result = actions.line_activate(
                actor=request.actor, lines=selection.locked_list(), on=form.cleaned_data["date"]
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            count = len(result.lines)
            messages.success(
                request,
                ngettext(
                    "The SIM will be activated on %(date)s",
                    "%(count)d SIM cards will be activated on %(date)s",
                    count,
                )
                % {"count": count, "date": date_label(result.on)},
            )
            return redirect(next_url(request, reverse("fleet_lines")))
    return render_change(
        request,
        selection,
        form,
        title=_("Activate SIM"),
        intro=_("Choose the day the SIM cards start working: today or a later date."),
        confirm=_("Activate SIM"),
    )


def _switch_view(
    request: LoggedInRequest,
    selection: Selection,
    *,
    action: Callable[..., Any],
    title: str,
    intro: str,
    done: Callable[[int, str], str],
) -> HttpResponse:
    form = SwitchForm(submitted(request), initial={"date": timezone.localdate()})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            changed = action(actor=request.actor, lines=selection.locked_list(), on=data["date"], reason=data["reason"])
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, done(len(changed), date_label(data["date"])))
            return redirect(next_url(request, reverse("fleet_lines")))
    return render_change(request, selection, form, title=title, intro=intro, confirm=title)


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
@with_selection
def fleet_suspend(request: LoggedInRequest, selection: Selection) -> HttpResponse:
    """Suspend active lines, e.g. a lost phone (F-25)."""
    return _switch_view(
        request,
        selection,
        action=actions.lines_suspend,
        title=_("Suspend"),
        intro=_("A suspended line can neither call nor use data until it is reactivated."),
        done=lambda count, day: (
            ngettext(
                "The SIM will be suspended on %(date)s.", "%(count)d SIM cards will be suspended on %(date)s.", count
            )
            % {"count": count, "date": day}
        ),
    )


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
@with_selection
def fleet_reactivate(request: LoggedInRequest, selection: Selection) -> HttpResponse:
    """Reactivate suspended lines (F-25)."""
    return _switch_view(
        request,
        selection,
        action=actions.lines_reactivate,
        title=_("Reactivate"),
        intro=_("The lines work again as before they were suspended."),
        done=lambda count, day: (
            ngettext(
                "The SIM will be reactivated on %(date)s.",
                "%(count)d SIM cards will be reactivated on %(date)s.",
                count,
            )
            % {"count": count, "date": day}
        ),
    )


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
@with_selection
def fleet_tags(request: LoggedInRequest, selection: Selection) -> HttpResponse:
    """Put tags (cost centres) on the selected lines or take them off; a new tag is created first.
    Above `BULK_JOB_THRESHOLD` lines a worker does it (F-32)."""
    actor = request.actor
    form = TagsForm(submitted(request), tags=selectors.tags_for(actor))
    if form.is_bound and form.is_valid() and runs_as_job(selection.count):
        data = form.cleaned_data
        try:  # the worker creates the new tag with the change, or neither
            return queue_bulk_job(
                request,
                kind=BulkJob.Kind.TAGS,
                lines=selection.locked_list(),
                params={
                    "add": [tag.pk for tag in data["add"]],
                    "remove": [tag.pk for tag in data["remove"]],
                    "name": data["name"],
                },
            )
        except ActionError as exc:
            form_error(form, exc)
    elif form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a refused change leaves no new tag behind
                add = list(data["add"])
                if data["name"].strip():
                    add.append(actions.tag_create(actor=actor, customer=actor.tenant, name=data["name"]))
                changed = actions.lines_set_tags(
                    actor=actor, lines=selection.locked_list(), add=add, remove=list(data["remove"])
                )
        except ActionError as exc:
            form_error(form, exc)
        else:
            count = len(changed)
            messages.success(
                request,
                ngettext(
                    "The tags of %(count)d number were changed.", "The tags of %(count)d numbers were changed.", count
                )
                % {"count": count},
            )
            return redirect(next_url(request, reverse("fleet_lines")))
    return render_change(
        request,
        selection,
        form,
        title=_("Tags"),
        intro=_("Tags such as cost centres group lines in the overview, its filter and the export."),
        confirm=_("Save"),
    )


def _line_page(line_id: int, tab: str = "more") -> str:
    return f"{reverse('fleet_line', args=[line_id])}?tab={tab}"


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def fleet_swap(request: LoggedInRequest, line_id: int) -> HttpResponse:
    """Replace the SIM card of a line (F-24)."""
    line = selectors.line_for(request.actor, line_id)
    form = SwapForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            actions.sim_swap(
                actor=request.actor,
                line=line,
                new_iccid=form.cleaned_data["new_iccid"],
                version=posted_version(request),
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The SIM card of this number was replaced."))
            return redirect(_line_page(line.pk))
    return render(request, "fleet/swap.html", {"line": line, "form": form})


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def fleet_stop(request: LoggedInRequest, line_id: int) -> HttpResponse:
    """End a number on a date or hand it over to the employee privately (F-26)."""
    line = selectors.line_for(request.actor, line_id)
    form = StopForm(request.POST or None, initial={"date": timezone.localdate()})
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        transfer = data["outcome"] == StopForm.TRANSFER
        try:
            actions.line_stop(
                actor=request.actor,
                line=line,
                on=data["date"],
                transfer_to_private=transfer,
                version=posted_version(request),
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            message = (
                _("The number will be transferred to the employee on %(date)s.")
                if transfer
                else _("The number will be stopped on %(date)s.")
            )
            messages.success(request, message % {"date": date_label(data["date"])})
            return redirect(_line_page(line.pk))
    return render(request, "fleet/stop.html", {"line": line, "form": form})


@manager_required(FLEET)
@require_POST
def fleet_change_cancel(request: LoggedInRequest, line_id: int, change_id: int) -> HttpResponse:
    """Cancel a planned change while it is not due (F-22 "cancellable until then")."""
    line = selectors.line_for(request.actor, line_id)
    change = selectors.scheduled_change_for(request.actor, line, change_id)
    try:
        actions.schedule_cancel(actor=request.actor, change=change)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The planned change was cancelled."))
    return redirect(_line_page(line.pk))
