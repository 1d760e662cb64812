"""The accounts app's dashboard tile and menu entries (registered in `AccountsConfig.ready`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import MEMBER, MenuEntry, Tile, register_menu, register_tile

from .policy import USERS


def register() -> None:
    register_tile(
        Tile(
            key="accounts.users",
            label=_("Manage user profiles"),
            text=_("Invite fleet managers and users, change roles."),
            url="users_list",
            function=USERS,
            order=20,
        )
    )
    register_menu(MenuEntry(key="accounts.dashboard", label=_("Dashboard"), url="dashboard", order=20))
    register_menu(MenuEntry(key="accounts.users", label=_("Users"), url="users_list", function=USERS, order=50))
    register_menu(MenuEntry(key="accounts.api_keys", label=_("API keys"), url="api_keys", function=USERS, order=60))
    register_menu(
        MenuEntry(
            key="accounts.my_line",
            label=_("My line"),
            url="member_home",
            audiences=frozenset({MEMBER}),
            number_login=True,
            order=80,
        )
    )
