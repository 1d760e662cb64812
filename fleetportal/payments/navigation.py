"""The staff page of online payments (refunds due, provider calls) in the staff menu."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import STAFF, MenuEntry, register_menu


def register() -> None:
    entry = MenuEntry(
        key="payments.staff", label=_("Online payments"), url="payments:staff", audiences=frozenset({STAFF}), order=40
    )
    register_menu(entry)
