"""View guards built on the actor (QUALITY S2). A refusal is a 404 for data of another
customer and a 403 page for a function the actor's role or rights do not include."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def manager_required(function: str | None = None, *, staff: bool = False) -> Callable[[View], View]:
    """Holder or manager (with `function` in their rights); operator staff too when `staff`."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = request.actor  # type: ignore[attr-defined]
            if staff and actor.is_staff:
                return view(request, *args, **kwargs)
            if not actor.is_manager or (function and not actor.can(function)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def holder_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.actor.is_holder:  # type: ignore[attr-defined]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def staff_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.actor.is_staff:  # type: ignore[attr-defined]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
