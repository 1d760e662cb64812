"""The single sign-on apps in the staff menu (registered in `SsoConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import OPERATOR_ADMIN, STAFF, MenuEntry, register_menu


def register() -> None:
    register_menu(
        MenuEntry(
            key="sso.clients",
            label=_("Single sign-on apps"),
            url="sso_clients",
            function=OPERATOR_ADMIN,
            audiences=frozenset({STAFF}),
            order=80,
        )
    )
