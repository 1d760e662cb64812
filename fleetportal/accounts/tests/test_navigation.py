"""The dashboard tiles and main menu that each app registers (fleetportal/core/navigation.py):
every role sees what its rights open, in the seeds' order, and an app that registered nothing
(not installed, not built) shows nothing (F-73, F-09, R-I5)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from fleetportal.accounts import navigation as accounts_navigation
from fleetportal.accounts.models import StaffRole
from fleetportal.core import navigation
from fleetportal.core.navigation import (
    MANAGER,
    MEMBER,
    STAFF,
    MenuEntry,
    SelectionAction,
    Tile,
    menu_for,
    register_tile,
    tiles_for,
    unregister,
)
from fleetportal.core.tests.factories import StaffFactory
from fleetportal.fleet import navigation as fleet_navigation
from fleetportal.fleet.policy import FLEET

pytestmark = pytest.mark.spec("F-73", "F-09")

MANAGER_MENU = [
    "Dashboard", "SIM cards", "Usage", "Contract", "Invoices", "Group bundles", "Usage rules", "Users", "API keys",
    "Webhooks", "Audit log", "Tickets", "Help",
]  # fmt: skip
MENUS = {
    "holder": MANAGER_MENU,
    "manager": MANAGER_MENU,
    "billing manager": ["Dashboard", "Usage", "Invoices", "Audit log", "Tickets", "Help"],
    "member": ["My line", "Tickets", "My invoices", "Help"],
    "number login": ["My line", "My invoices", "Help"],  # its number's private invoices (F-64, F-08)
    "staff": [
        "Back office",
        "Usage files",
        "Online payments",
        "Invoice runs",
        "Audit log",
        "Single sign-on apps",
        "SIM card orders",
        "Failed messages",
    ],
}


def _number_login(client: Client, member, last_code) -> Client:
    client.post("/login/phone/", {"step": "number", "phone": member.phone.as_e164})
    client.post("/login/phone/", {"step": "send"})
    client.post("/login/phone/", {"step": "code", "code": last_code(member)})
    assert client.session.get("fp_number") == member.phone.as_e164
    return client


def _client_for(role: str, request: pytest.FixtureRequest, login, last_code) -> Client:
    client = Client()
    if role == "number login":
        return _number_login(client, request.getfixturevalue("member"), last_code)
    login(client, request.getfixturevalue(role.replace(" ", "_")))
    return client


def _menu(page: str) -> list[str]:
    """The main menu's entries (the brand link, of class "brand", is not one; a page without
    entries has no menu list)."""
    nav = re.search(r'<nav aria-label="Main menu">(.*?)</nav>', page, re.S)
    assert nav
    entries = re.search(r'<ul class="menu-entries">(.*?)</ul>', nav.group(1), re.S)
    return re.findall(r'<a href="[^"]*">([^<]+)</a>', entries.group(1)) if entries else []


def _tiles(page: str) -> list[str]:
    section = re.search(r'<section class="tiles">(.*?)</section>', page, re.S)
    assert section
    return re.findall(r"<h3><a [^>]*>([^<]+)</a></h3>", section.group(1))


@pytest.mark.spec("S2", "R-I5")
@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_gets_its_menu(role, request, login, last_code) -> None:
    client = _client_for(role, request, login, last_code)
    page = client.get("/me/").content.decode()  # the menu is the same on every page
    assert _menu(page) == MENUS[role]


def test_a_manager_limited_to_billing_sees_no_fleet_tile_or_menu_entry(billing_manager, actor_for) -> None:
    actor = actor_for(billing_manager)
    assert [tile.key for tile in tiles_for(actor, audience=MANAGER)] == ["usage.figures", "invoicing.invoices"]
    keys = [entry.key for entry in menu_for(actor)]
    assert keys == [
        "accounts.dashboard",
        "usage.home",
        "invoicing.invoices",
        "audit.log",
        "support.tickets",
        "fleet.help",
    ]
    # Help (fleet.help) needs no right; nothing that needs the fleet right is offered.
    fleet_only = {key for key, entry in navigation._menu.items() if entry.function == FLEET}
    assert fleet_only >= {"fleet.lines", "catalog.contract", "bundles.pools", "alerts.rules", "webhooks.endpoints"}
    assert fleet_only.isdisjoint(keys)


def test_a_member_sees_only_member_entries(client, login, member, actor_for) -> None:
    actor = actor_for(member)
    assert [tile.key for tile in tiles_for(actor)] == ["fleet.my_lines", "usage.mine", "fleet.help"]
    assert [entry.key for entry in menu_for(actor)] == [
        "accounts.my_line", "support.tickets", "invoicing.mine", "fleet.help",
    ]  # fmt: skip
    login(client, member)
    page = client.get("/me/").content.decode()
    assert _tiles(page) == []
    assert "No line is linked to your login yet." in page  # the fleet's tile of one's own lines
    for manager_only in ("Manage SIM cards", "Manage user profiles", "Contract / MSA", 'href="/fleet/lines/"'):
        assert manager_only not in page


def test_a_manager_on_the_member_home_gets_the_member_tiles_not_the_dashboards(client, login, manager) -> None:
    login(client, manager)
    page = client.get("/me/").content.decode()
    assert "No line is linked to your login yet." in page
    assert _tiles(page) == []


@pytest.mark.spec("F-93")
def test_staff_see_the_back_office_entries(client, login, staff, actor_for) -> None:
    actor = actor_for(staff)
    keys = [entry.key for entry in menu_for(actor)]
    assert keys == [
        "backoffice.customers", "usage.staff_files", "payments.staff", "invoicing.back_office", "audit.log",
        "sso.clients", "simorders.staff", "backoffice.dead_letters",
    ]  # fmt: skip
    assert tiles_for(actor) == []
    login(client, staff)
    menu = re.search(r'<nav aria-label="Main menu">(.*?)</nav>', client.get("/staff/").content.decode(), re.S)
    assert menu
    assert 'href="/staff/"' in menu.group(1) and 'href="/audit/"' in menu.group(1)
    assert 'href="/dashboard/"' not in menu.group(1) and 'href="/me/"' not in menu.group(1)


@pytest.mark.spec("F-93", "F-11")
def test_a_support_agent_does_not_see_the_operator_admins_entries(actor_for, db) -> None:
    agent = StaffFactory.create(email="agent@operator.example", staff_role=StaffRole.SUPPORT_AGENT)
    keys = [entry.key for entry in menu_for(actor_for(agent))]
    assert "sso.clients" not in keys
    assert "backoffice.customers" in keys


@pytest.mark.spec("R-I5", "F-08")
def test_a_number_login_sees_only_its_own_lines_entries(
    client, member, customer, last_code, login, navigation_registry
) -> None:
    def member_tile(key: str, **fields: Any) -> None:
        register_tile(Tile(key=key, label=key, url="member_home", audiences=frozenset({MEMBER}), **fields))

    member_tile("test.profile")  # a page of the login, not of the number
    member_tile("test.usage", number_login=True, function="usage")
    member_tile("test.alerts", number_login=True, function="alerts")
    customer.number_login_functions = ["usage"]
    customer.save()
    page = _number_login(client, member, last_code).get("/me/").content.decode()
    assert _tiles(page) == ["test.usage"]
    client.logout()
    login(client, member)
    assert _tiles(client.get("/me/").content.decode()) == ["test.profile", "test.usage", "test.alerts"]


def test_an_app_that_registered_nothing_shows_nothing(client, login, manager, member, navigation_registry) -> None:
    unregister("fleet")
    login(client, manager)
    page = client.get("/dashboard/").content.decode()
    assert _tiles(page) == [
        "Manage user profiles",
        "Create ticket",
        "Group bundles",
        "Pay invoices",
        "Contract / MSA",
        "Order blank SIM cards",
    ]
    assert "SIM cards" not in _menu(page) and "Manage SIM cards" not in page
    assert "No line is linked to your login yet." not in client.get("/me/").content.decode()

    for app in (
        "accounts", "catalog", "audit", "backoffice", "usage", "bundles", "alerts", "webhooks", "support", "invoicing",
        "payments", "simorders",
    ):  # fmt: skip
        unregister(app)
    page = client.get("/dashboard/").content.decode()
    assert _tiles(page) == [] and _menu(page) == []
    assert "Coming soon" not in page and "<article" not in page


def test_registering_again_changes_nothing(client, login, manager, navigation_registry) -> None:
    """ready() may run twice in tests: the entries are keyed, not appended."""
    before = (dict(navigation._tiles), dict(navigation._menu))
    fleet_navigation.register()
    accounts_navigation.register()
    assert (navigation._tiles, navigation._menu) == before
    login(client, manager)
    page = client.get("/dashboard/").content.decode()
    assert _tiles(page).count("Manage SIM cards") == 1 and _menu(page).count("SIM cards") == 1


def test_a_tile_shows_its_figure_for_the_actor(client, login, manager, navigation_registry) -> None:
    register_tile(Tile(key="test.figure", label="Figures", url="dashboard", order=15, figure=lambda actor: actor.label))
    login(client, manager)
    page = client.get("/dashboard/").content.decode()
    tiles = [
        "Manage SIM cards",
        "Figures",
        "Manage user profiles",
        "Create ticket",
        "Group bundles",
        "Pay invoices",
        "Contract / MSA",
        "Order blank SIM cards",
    ]
    assert _tiles(page) == tiles
    assert "<strong>manager@acme.example</strong>" in page


def test_entries_say_who_sees_them() -> None:
    with pytest.raises(ValueError, match="app label"):
        Tile(key="nodot", label="x", url="dashboard")
    with pytest.raises(ValueError, match="audiences"):
        MenuEntry(key="test.x", label="x", url="dashboard", audiences=frozenset({"everyone"}))
    with pytest.raises(ValueError, match="member entries"):
        MenuEntry(key="test.x", label="x", url="dashboard", audiences=frozenset({STAFF}), number_login=True)
    with pytest.raises(ValueError, match="url or a template"):
        Tile(key="test.x", label="x")
    with pytest.raises(ValueError, match="needs a url"):
        MenuEntry(key="test.x", label="x")
    with pytest.raises(ValueError, match="needs a url"):
        SelectionAction(key="test.x", label="x")


def test_every_registered_entry_belongs_to_an_installed_app_and_links_a_page() -> None:
    entries = [*navigation._tiles.values(), *navigation._menu.values()]
    assert entries
    for entry in entries:
        assert apps.get_app_config(entry.key.split(".")[0])  # LookupError if not installed
        if entry.url:
            assert reverse(entry.url)
