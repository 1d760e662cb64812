"""The group bundles' dashboard tile (the seeds' "Manage group bundles", order 50), menu entry
and the SIM overview's "Add to group bundle" button (registered in `BundlesConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import (
    MenuEntry,
    SelectionAction,
    Tile,
    register_menu,
    register_selection_action,
    register_tile,
)

from .policy import FLEET


def register() -> None:
    register_tile(
        Tile(
            key="bundles.pools",
            label=_("Group bundles"),
            text=_("Data and minutes shared by the lines you choose."),
            url="bundles:list",
            function=FLEET,
            order=50,
        )
    )
    register_menu(
        MenuEntry(key="bundles.pools", label=_("Group bundles"), url="bundles:list", function=FLEET, order=45)
    )
    register_selection_action(
        SelectionAction(key="bundles.add", label=_("Add to group bundle"), url="bundles:choose", function=FLEET)
    )
