"""The invoices in the dashboard and the menus: the billing managers' overview (the seeds'
"Go to invoices" 40 and "Pay invoices" 70 lead to the same page, F-61) and a member's own
private invoices (F-64)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fleetportal.core.navigation import MEMBER, STAFF, MenuEntry, Tile, register_menu, register_tile

from .policy import BILLING, NUMBER_LOGIN_INVOICES


def register() -> None:
    register_tile(
        Tile(
            key="invoicing.invoices",
            label=_("Pay invoices"),
            text=_("Your invoices, their balance and how you pay them."),
            url="invoicing:invoices",
            function=BILLING,
            order=70,
        )
    )
    register_menu(
        MenuEntry(
            key="invoicing.invoices",
            label=_("Invoices"),
            url="invoicing:invoices",
            function=BILLING,
            order=40,
        )
    )
    # After the member's line and tickets (80), before Help (90), the menu's last entry; a
    # phone-number login's too, unless the contract holder took the function away (F-08).
    register_menu(
        MenuEntry(
            key="invoicing.mine",
            label=_("My invoices"),
            url="me_invoices",
            audiences=frozenset({MEMBER}),
            number_login=True,
            function=NUMBER_LOGIN_INVOICES,
            order=85,
        )
    )
    # Staff's back office: runs, an invoice's credit note and payments, bank statements.
    register_menu(
        MenuEntry(
            key="invoicing.back_office",
            label=_("Invoice runs"),
            url="invoicing_staff:runs",
            audiences=frozenset({STAFF}),
            order=41,
        )
    )
