"""The back office's menu entries for operator staff (registered in `BackofficeConfig.ready`);
its home links every staff page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import STAFF, MenuEntry, register_menu


def register() -> None:
    register_menu(
        MenuEntry(
            key="backoffice.customers", label=_("Back office"), url="staff_home", audiences=frozenset({STAFF}), order=10
        )
    )
    register_menu(
        MenuEntry(
            key="backoffice.dead_letters",
            label=_("Failed messages"),
            url="staff_dead_letters",
            audiences=frozenset({STAFF}),
            order=90,
        )
    )
