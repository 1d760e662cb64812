"""The webhooks page in the main menu, for fleet managers (registered in `WebhooksConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import MenuEntry, register_menu

from .policy import FLEET


def register() -> None:
    register_menu(MenuEntry(key="webhooks.endpoints", label=_("Webhooks"), url="webhooks", function=FLEET, order=65))
