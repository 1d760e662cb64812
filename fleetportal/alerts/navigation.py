"""The usage rules' menu entry (registered in `AlertsConfig.ready`): for managers with the fleet
right, beside the group bundles."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import MenuEntry, register_menu

from .policy import FLEET


def register() -> None:
    register_menu(MenuEntry(key="alerts.rules", label=_("Usage rules"), url="alerts:list", function=FLEET, order=47))
