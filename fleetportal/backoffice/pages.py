"""What the back office's pages share: the refusal page an agent gets for an operator admin's
page (403 with the reason), and a list's page with its filters kept in the page links."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fleetportal.accounts.decorators import staff_required
from fleetportal.core.errors import PermissionDeniedError

from .actions import require_operator_admin

PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def refused(request: HttpRequest, error: PermissionDeniedError) -> HttpResponse:
    return render(request, "backoffice/refused.html", {"message": error.message}, status=403)


def operator_admin_required(view: View) -> View:
    """Staff pages that change customers, the catalogue, prices, the pool or the stock."""

    @staff_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            require_operator_admin(request.actor)  # type: ignore[attr-defined]
        except PermissionDeniedError as error:
            return refused(request, error)
        return view(request, *args, **kwargs)

    return wrapped


def paged(request: HttpRequest, rows: QuerySet[Any]) -> tuple[Page[Any], str]:
    """The page asked for, and the query string of the filters (without the page) for its links."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
