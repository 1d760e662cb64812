"""The tickets' tile and menu entries (registered in `SupportConfig.ready`): "Create ticket" on
the seeds' dashboard (order 30), "Tickets" for every login of a customer, the queue for staff."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import MANAGER, MEMBER, STAFF, MenuEntry, Tile, register_menu, register_tile


def register() -> None:
    register_tile(
        Tile(
            key="support.create",
            label=_("Create ticket"),
            text=_("Ask the helpdesk, or ask for a change to your SIM cards."),
            url="support:new",
            audiences=frozenset({MANAGER, MEMBER}),
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
    register_menu(
        MenuEntry(
            key="support.queue", label=_("Ticket queue"), url="support:queue", audiences=frozenset({STAFF}), order=80
        )
    )
