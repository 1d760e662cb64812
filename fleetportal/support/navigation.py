"""The tickets' tile and menu entry (registered in `SupportConfig.ready`): "Create ticket" on the
seeds' dashboard (order 30) for managers with the support right, "Tickets" in the menu of every
login of a customer. Staff's queue (`support:queue`) is linked from the back office's home."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import MANAGER, MEMBER, MenuEntry, Tile, register_menu, register_tile

from .policy import SUPPORT


def register() -> None:
    register_tile(
        Tile(
            key="support.create",
            label=_("Create ticket"),
            text=_("Ask the helpdesk, or ask for a change to your SIM cards."),
            url="support:new",
            function=SUPPORT,
            order=30,
        )
    )
    register_menu(
        MenuEntry(
            key="support.tickets",
            label=_("Tickets"),
            url="support:list",
            audiences=frozenset({MANAGER, MEMBER}),
            order=80,
        )
    )
