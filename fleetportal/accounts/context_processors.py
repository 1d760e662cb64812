"""What every page template needs: the actor, its main menu, the language list, demo mode."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from fleetportal.core.navigation import menu_for


def portal(request: HttpRequest) -> dict:
    actor = getattr(request, "actor", None)
    return {
        "actor": actor,
        "show_menu": not getattr(request, "gated", False),
        # The main menu the apps registered, as far as the actor's rights go (F-09); worked out
        # only for a page that shows it.
        "main_menu": SimpleLazyObject(lambda: menu_for(actor) if actor else []),
        "demo_mode": settings.DEMO_MODE,
        "portal_languages": settings.LANGUAGES,
    }
