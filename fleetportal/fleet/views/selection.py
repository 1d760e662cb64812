"""The selection of lines a bulk page acts on (F-20, F-28): ticked ids, or "all lines matching
the filter". It travels in the POST body (the ids or the filter with `all=1`), never as a long
URL, so a selection of thousands costs one short form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.utils.http import url_has_allowed_host_and_scheme

from fleetportal.billing import selectors as billing_selectors
from fleetportal.core.actor import Actor
from fleetportal.core.http import LoggedInRequest

from .. import selectors
from ..forms import LineFilterForm
from ..models import Line

PREFIX = "f"  # the filter's fields inside a selection form: f-q, f-status, …
PREVIEW = 50  # lines listed on a confirmation page; the rest is counted


def filter_form(actor: Actor, data: QueryDict | None, *, prefix: str | None = None) -> LineFilterForm:
    return LineFilterForm(
        data,
        prefix=prefix,
        plans=selectors.plans_in_use(actor),
        billing_accounts=billing_selectors.billing_accounts_for(actor),
        tags=selectors.tags_for(actor),
    )


class EmptySelection(Exception):
    """Nothing was ticked: the page sends the user back to the overview with a message."""


@dataclass(frozen=True)
class Selection:
    lines: QuerySet[Line]
    count: int
    every: bool  # "all lines matching the filter"
    hidden: list[tuple[str, str]]  # the fields that carry the selection to the next POST

    @cached_property
    def preview(self) -> list[Line]:
        return list(self.lines[:PREVIEW])

    @cached_property
    def single(self) -> Line | None:
        return self.lines.first() if self.count == 1 else None

    def locked_list(self) -> list[Line]:
        """The lines as the actions take them: plain rows, since the actions lock, reload and
        re-check them anyway."""
        return list(self.lines.select_related(None).prefetch_related(None))


def _ids(values: list[str]) -> list[int]:
    try:
        ids = [int(value) for value in values]
    except ValueError as exc:
        raise Http404 from exc
    return list(dict.fromkeys(ids))


def read_selection(request: LoggedInRequest) -> Selection:
    """The lines the request names. A foreign or unknown id answers 404 (S1); an invalid filter
    with `all` is refused rather than widened to every line."""
    actor = request.actor
    data = request.POST if request.method == "POST" else request.GET
    if data.get("all"):
        form = filter_form(actor, data, prefix=PREFIX)
        if not form.is_valid():
            raise Http404
        lines = selectors.lines_for(actor, **form.criteria())
        hidden = [("all", "1")] + [
            (form.add_prefix(name), str(data[form.add_prefix(name)]))
            for name in LineFilterForm.FILTERS
            if data.get(form.add_prefix(name))
        ]
        count = lines.count()
        if not count:
            raise EmptySelection
        return Selection(lines=lines, count=count, every=True, hidden=hidden)
    ids = _ids(data.getlist("line"))
    if not ids:
        raise EmptySelection
    lines = selectors.lines_for(actor).filter(pk__in=ids)
    count = lines.count()
    if count != len(ids):
        raise Http404
    return Selection(lines=lines, count=count, every=False, hidden=[("line", str(pk)) for pk in ids])


def filter_fields(form: LineFilterForm) -> list[tuple[str, str]]:
    """The overview's current filter as (name, value) pairs for the selection form."""
    data: Mapping[str, Any] = form.data if form.is_bound else {}
    return [(name, str(data[name])) for name in LineFilterForm.FILTERS if data.get(name)]


def next_url(request: LoggedInRequest, default: str) -> str:
    """Where to go after a change: the page it came from if it is ours, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def posted_version(request: LoggedInRequest) -> int | None:
    """The line version the page was built on (R2); None (no check) when the form has none."""
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None
