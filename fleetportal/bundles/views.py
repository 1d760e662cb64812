"""The group bundle pages (F-50, F-51): the customer's pools, ordering one from the contract's
offers, a pool's page (its offer and bundle, its members, the change form), and adding lines
from the SIM overview's selection, received as the fleet's bulk pages receive it.

Managers with the fleet right change; managers with the billing right read; a member reads the
pools of their own line, seeing only that line among the members (selectors). Pool usage is the
usage pages' (from the pool counters): this page lists the members only.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fleetportal.accounts.decorators import manager_required
from fleetportal.core.errors import ActionError
from fleetportal.core.http import LoggedInRequest
from fleetportal.core.phones import InvalidNumber, display, parse_mobile
from fleetportal.core.views import form_error
from fleetportal.fleet import selectors as fleet_selectors
from fleetportal.fleet.actions.common import may_manage
from fleetportal.fleet.models import Line
from fleetportal.fleet.views.selection import EmptySelection, Selection, read_selection

from . import actions, selectors
from .forms import NumbersForm, PoolForm
from .models import GroupBundle
from .policy import FLEET

_NUMBER_SEPARATORS = re.compile(r"[\n,;]+")
EARLIER_MEMBERS = 50  # memberships that ended, listed on the pool page


def _pool_form(request: LoggedInRequest, pool: GroupBundle, data: object = None) -> PoolForm:
    initial = {"offer": pool.offer_id, "name": pool.name, "out_of_bundle_notify_at": pool.out_of_bundle_notify_at}
    offers = selectors.offers_for(request.actor).filter(contract=pool.contract_id)
    return PoolForm(data, offers=offers, initial=initial)


def _render_pool(
    request: LoggedInRequest,
    pool: GroupBundle,
    *,
    form: PoolForm | None = None,
    numbers: NumbersForm | None = None,
) -> HttpResponse:
    actor = request.actor
    changeable = selectors.may_change(actor, pool)
    context = {
        "pool": pool,
        "members": selectors.members_of(actor, pool),
        "earlier": selectors.members_of(actor, pool, history=True).filter(left_at__isnull=False)[:EARLIER_MEMBERS],
        "may_change": changeable,
        "form": (form or _pool_form(request, pool)) if changeable else None,
        "numbers_form": (numbers or NumbersForm()) if changeable else None,
    }
    return render(request, "bundles/pool.html", context)


@require_GET
@login_required
def pool_list(request: LoggedInRequest) -> HttpResponse:
    actor = request.actor
    customer = actor.customer
    may_order = customer is not None and may_manage(actor, customer.pk)
    return render(request, "bundles/list.html", {"pools": selectors.pools_for(actor), "may_order": may_order})


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def pool_order(request: LoggedInRequest) -> HttpResponse:
    """Order a pool from one of the contract's group-bundle offers (F-50)."""
    actor = request.actor
    offers = selectors.offers_for(actor)
    form = PoolForm(request.POST if request.method == "POST" else None, offers=offers)
    if form.is_bound and form.is_valid():
        offer = form.cleaned_data["offer"]
        try:
            pool = actions.pool_order(
                actor=actor,
                contract=offer.contract,
                offer=offer,
                name=form.cleaned_data["name"],
                out_of_bundle_notify_at=form.cleaned_data["out_of_bundle_notify_at"],
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The group bundle %(name)s is ordered: add its lines.") % {"name": pool.name})
            return redirect("bundles:detail", pool_id=pool.pk)
    return render(request, "bundles/order.html", {"form": form, "has_offers": offers.exists()})


@login_required
@require_http_methods(["GET", "POST"])
def pool_detail(request: LoggedInRequest, pool_id: int) -> HttpResponse:
    """The pool's page; POST is its change form (another offer, name, notification amount)."""
    pool = selectors.pool_for(request.actor, pool_id)
    if request.method != "POST":
        return _render_pool(request, pool)
    if not selectors.may_change(request.actor, pool):
        raise Http404
    form = _pool_form(request, pool, request.POST)
    if form.is_valid():
        try:
            actions.pool_change(
                actor=request.actor,
                pool=pool,
                offer=form.cleaned_data["offer"],
                name=form.cleaned_data["name"],
                out_of_bundle_notify_at=form.cleaned_data["out_of_bundle_notify_at"],
                version=_version(request),
            )
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("The group bundle is saved."))
            return redirect("bundles:detail", pool_id=pool.pk)
    return _render_pool(request, pool, form=form)


def _version(request: LoggedInRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _changeable_pool(request: LoggedInRequest, pool_id: int) -> GroupBundle:
    pool = selectors.pool_for(request.actor, pool_id)
    if not selectors.may_change(request.actor, pool):
        raise Http404
    return pool


@manager_required(FLEET)
@require_POST
def pool_end(request: LoggedInRequest, pool_id: int) -> HttpResponse:
    pool = _changeable_pool(request, pool_id)
    try:
        actions.pool_end(actor=request.actor, pool=pool, version=_version(request))
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The group bundle %(name)s has ended.") % {"name": pool.name})
    return redirect("bundles:detail", pool_id=pool.pk)


def _added_message(change: actions.MembersChange) -> str:
    count, moved = len(change.lines), len(change.moved_from)
    text = ngettext("%(count)d line added to %(pool)s.", "%(count)d lines added to %(pool)s.", count) % {
        "count": count,
        "pool": change.pool.name,
    }
    if moved:
        text += " " + ngettext(
            "%(count)d of them left another group bundle.", "%(count)d of them left another group bundle.", moved
        ) % {"count": moved}
    return text


def _typed_lines(request: LoggedInRequest, form: NumbersForm) -> list[Line] | None:
    """The lines the numbers form names, or None with the form's error on `numbers`."""
    if not form.is_valid():
        return None
    texts = [text.strip() for text in _NUMBER_SEPARATORS.split(form.cleaned_data["numbers"]) if text.strip()]
    numbers = []
    for text in texts:
        try:
            numbers.append(parse_mobile(text))
        except InvalidNumber:
            form.add_error("numbers", _("%(text)s is not a mobile number.") % {"text": text[:30]})
            return None
    found = selectors.lines_by_numbers(request.actor, numbers)
    missing = [number for number in numbers if number not in found]
    if missing:
        form.add_error("numbers", _("%(number)s is not one of your lines.") % {"number": display(missing[0])})
        return None
    return [found[number] for number in dict.fromkeys(numbers)]


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def members_add(request: LoggedInRequest, pool_id: int) -> HttpResponse:
    """Add lines: the numbers typed on the pool's page, or the SIM overview's selection (ticked
    `line` ids or "all matching" with the filter), reviewed first, then confirmed."""
    pool = _changeable_pool(request, pool_id)
    if "numbers" in request.POST:
        numbers = NumbersForm(request.POST)
        lines = _typed_lines(request, numbers)
        if lines is None:
            return _render_pool(request, pool, numbers=numbers)
        try:
            change = actions.pool_members_add(actor=request.actor, pool=pool, lines=lines)
        except ActionError as exc:
            numbers.add_error("numbers", str(exc.message))
            return _render_pool(request, pool, numbers=numbers)
        messages.success(request, _added_message(change))
        return redirect("bundles:detail", pool_id=pool.pk)
    try:
        selection = read_selection(request)
    except EmptySelection:
        messages.error(request, _("Select at least one SIM card first."))
        return redirect("fleet_lines")
    form = forms.Form(request.POST if request.method == "POST" else None)  # shows the action's refusal
    if form.is_valid() and "confirm" in request.POST:
        try:
            change = actions.pool_members_add(actor=request.actor, pool=pool, lines=selection.locked_list())
        except ActionError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _added_message(change))
            return redirect("bundles:detail", pool_id=pool.pk)
    return _review(request, selection, form, pool)


def _review(request: LoggedInRequest, selection: Selection, form: forms.Form, pool: GroupBundle) -> HttpResponse:
    moving = selectors.pools_of_lines(selection.lines, except_pool=pool)
    context = {"pool": pool, "selection": selection, "form": form, "moving": moving}
    return render(request, "bundles/members_add.html", context)


@manager_required(FLEET)
@require_http_methods(["GET", "POST"])
def pool_choose(request: LoggedInRequest) -> HttpResponse:
    """ "Add to group bundle" from the SIM overview: the selection and one button per live pool."""
    try:
        selection = read_selection(request)
    except EmptySelection:
        messages.error(request, _("Select at least one SIM card first."))
        return redirect("fleet_lines")
    pools = [pool for pool in selectors.pools_for(request.actor) if selectors.may_change(request.actor, pool)]
    return render(request, "bundles/choose.html", {"selection": selection, "pools": pools})


@manager_required(FLEET)
@require_POST
def members_remove(request: LoggedInRequest, pool_id: int) -> HttpResponse:
    pool = _changeable_pool(request, pool_id)
    try:
        ids = [int(value) for value in request.POST.getlist("line")]
    except ValueError as exc:
        raise Http404 from exc
    try:
        lines = fleet_selectors.lines_by_ids(request.actor, ids)
        change = actions.pool_members_remove(actor=request.actor, pool=pool, lines=lines)
    except ActionError as exc:
        messages.error(request, str(exc.message))
    else:
        count = len(change.lines)
        messages.success(
            request,
            ngettext("%(count)d line removed from %(pool)s.", "%(count)d lines removed from %(pool)s.", count)
            % {"count": count, "pool": pool.name},
        )
    return redirect(reverse("bundles:detail", kwargs={"pool_id": pool.pk}))
