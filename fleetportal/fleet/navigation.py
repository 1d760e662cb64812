"""The fleet's dashboard tile, menu entry, the member's own lines and the help pages
(registered in `FleetConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import MANAGER, MEMBER, MenuEntry, Tile, register_menu, register_tile

from .policy import FLEET
from .views.member import my_lines
from .views.member_help import help_topics


def register() -> None:
    register_tile(
        Tile(
            key="fleet.lines",
            label=_("Manage SIM cards"),
            text=_("Add, activate, swap, suspend and stop SIM cards."),
            url="fleet_lines",
            function=FLEET,
            order=10,
        )
    )
    # The member home (/me/) shows the person's own lines (F-74), a phone-number login its number.
    register_tile(
        Tile(
            key="fleet.my_lines",
            label=_("My line"),
            audiences=frozenset({MEMBER}),
            number_login=True,
            figure=my_lines,
            template="fleet/_my_lines_tile.html",
            order=10,
        )
    )
    register_menu(MenuEntry(key="fleet.lines", label=_("SIM cards"), url="fleet_lines", function=FLEET, order=30))
    # The help pages (Wi-Fi calling, PIN and PUK, eSIM, porting): for everyone with a line.
    register_tile(
        Tile(
            key="fleet.help",
            label=_("Help"),
            audiences=frozenset({MEMBER}),
            number_login=True,
            figure=help_topics,
            template="help/_tile.html",
            order=90,
        )
    )
    register_menu(
        MenuEntry(
            key="fleet.help",
            label=_("Help"),
            url="help_index",
            audiences=frozenset({MANAGER, MEMBER}),
            number_login=True,
            order=90,
        )
    )
