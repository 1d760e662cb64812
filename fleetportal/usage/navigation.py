"""Usage's dashboard tiles, menu entries and the member's own usage (registered in
`UsageConfig.ready`).

The managers' tiles carry this period's live figures (lines over their bundle, out-of-bundle
cost); they are one panel of the usage app's making, shown only to managers who read the whole
customer's usage (fleet or billing right: a tile names one right, the figures need either).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.navigation import MANAGER, MEMBER, STAFF, MenuEntry, Tile, register_menu, register_tile

from . import reports, selectors


def company_figures(actor: Actor) -> dict[str, Any] | None:
    """This period's totals of the actor's customer, or None if they do not see them."""
    if not selectors.sees_company_usage(actor):
        return None
    period = reports.current_period()
    counters = selectors.usage_counters_for(actor).filter(customer=actor.tenant, period=period)
    return {"totals": reports.totals(counters), "days_left": reports.days_left(period)}


def my_usage(actor: Actor) -> list[reports.LineUsage]:
    """The person's own lines' usage this period, with their bundles."""
    period = reports.current_period()
    lines = list(selectors.own_usage_lines(actor))
    counters = {
        counter.line_id: counter
        for counter in selectors.usage_counters_for(actor).filter(line__in=lines, period=period)
    }
    return [reports.line_usage(line, period, counters.get(line.pk)) for line in lines]


def register() -> None:
    register_tile(
        Tile(
            key="usage.figures",
            label=_("Usage this period"),
            audiences=frozenset({MANAGER}),
            figure=company_figures,
            template="usage/_dashboard_tiles.html",
            order=15,
        )
    )
    # The member home (/me/) shows the person's bundles; a number login its number's, if the
    # contract holder lets number logins see usage (F-08).
    register_tile(
        Tile(
            key="usage.mine",
            label=_("My usage"),
            audiences=frozenset({MEMBER}),
            number_login=True,
            function="usage",
            figure=my_usage,
            template="usage/_my_usage_tile.html",
            order=20,
        )
    )
    register_menu(MenuEntry(key="usage.home", label=_("Usage"), url="usage:home", order=35))
    register_menu(
        MenuEntry(
            key="usage.staff_files",
            label=_("Usage files"),
            url="usage:staff_files",
            audiences=frozenset({STAFF}),
            order=40,
        )
    )
