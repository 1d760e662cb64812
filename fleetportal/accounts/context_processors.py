"""What every page template needs: the actor, the language list, demo mode."""

from django.conf import settings
from django.http import HttpRequest

from .models import Function


def portal(request: HttpRequest) -> dict:
    actor = getattr(request, "actor", None)
    return {
        "actor": actor,
        # The manager functions this actor may use (F-09), so menus offer only those.
        "rights": {function: bool(actor and actor.can(function)) for function in Function.values},
        "show_menu": not getattr(request, "gated", False),
        "demo_mode": settings.DEMO_MODE,
        "portal_languages": settings.LANGUAGES,
    }
