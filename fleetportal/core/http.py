"""Request types for views: after the access gate every request carries the actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from fleetportal.accounts.models import User

    from .actor import Actor


class PortalRequest(HttpRequest):
    actor: Actor
    # True while the session still owes an SMS code or a new password: pages hide the menu.
    gated: bool


class LoggedInRequest(PortalRequest):
    """For views behind login_required (the pattern django-stubs documents)."""

    user: User
