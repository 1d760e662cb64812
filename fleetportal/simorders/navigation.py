"""The orders' dashboard tile and staff's menu entry (registered in `SimOrdersConfig.ready`):
the seeds' "Order blank SIM cards", their dashboard's last tile (order 90), for managers with the
fleet right; the fulfilment page for staff."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import STAFF, MenuEntry, Tile, register_menu, register_tile

from .policy import FLEET


def register() -> None:
    register_tile(
        Tile(
            key="simorders.order",
            label=_("Order blank SIM cards"),
            text=_("Blank SIM cards for new lines and SIM swaps, delivered within 2 business days."),
            url="simorders:list",
            function=FLEET,
            order=90,
        )
    )
    register_menu(
        MenuEntry(
            key="simorders.staff",
            label=_("SIM card orders"),
            url="simorders:staff",
            audiences=frozenset({STAFF}),
            order=85,
        )
    )
