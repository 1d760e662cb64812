"""The contract page's dashboard tile and menu entry (registered in `CatalogConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import MenuEntry, Tile, register_menu, register_tile

from .policy import FLEET


def register() -> None:
    register_tile(
        Tile(
            key="catalog.contract",
            label=_("Contract / MSA"),
            text=_("Tariff plans and options retained, the MSA."),
            url="contract_detail",
            function=FLEET,
            order=80,
        )
    )
    register_menu(
        MenuEntry(key="catalog.contract", label=_("Contract"), url="contract_detail", function=FLEET, order=40)
    )
