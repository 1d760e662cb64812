"""The fleet manager's dashboard (F-73): the seeds' tiles, as far as the manager's rights go."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.spec("F-73")

# The seeds' tiles that are built, in the seeds' order; the others (invoices, billing
# settings, payments) appear when their apps register them, never "coming soon".
TILES = (
    "Manage SIM cards", "Manage user profiles", "Create ticket", "Group bundles", "Pay invoices", "Contract / MSA",
    "Order blank SIM cards",
)  # fmt: skip
NOT_BUILT = ("Go to invoices", "Billing settings", "Coming soon")


def _tiles(page: str) -> str:
    tiles = re.search(r'<section class="tiles">(.*?)</section>', page, re.S)
    assert tiles
    return tiles.group(1)


def test_manager_sees_every_built_tile_in_the_seeds_order(client, login, manager) -> None:
    login(client, manager)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    tiles = _tiles(page)
    assert re.findall(r"<h3><a [^>]*>([^<]+)</a></h3>", tiles) == list(TILES)
    for tile in NOT_BUILT:
        assert tile not in page
    assert "Acme Belgium NV" in page
    assert 'href="/users/"' in page
    assert 'href="/settings/security/"' not in page


def test_holder_also_gets_the_security_settings(client, login, holder) -> None:
    login(client, holder)
    page = client.get("/dashboard/").content.decode()
    for tile in TILES:
        assert tile in page
    assert 'href="/settings/security/"' in page


def test_the_heading_names_the_role_of_the_login(client, login, holder, manager) -> None:
    login(client, holder)
    page = client.get("/dashboard/").content.decode()
    assert "<h1>Dashboard contract holder</h1>" in page
    assert "Dashboard fleet manager" not in page
    client.logout()
    login(client, manager)
    assert "<h1>Dashboard fleet manager</h1>" in client.get("/dashboard/").content.decode()


@pytest.mark.spec("F-09")
def test_billing_manager_sees_no_fleet_or_users_tile(client, login, billing_manager) -> None:
    login(client, billing_manager)
    tiles = _tiles(client.get("/dashboard/").content.decode())
    for tile in (*TILES, *NOT_BUILT):
        if tile != "Pay invoices":  # the billing right's own tile
            assert tile not in tiles, tile
    assert tiles.count("<article") == 1 and "Pay invoices" in tiles  # the billing right's own tile only


@pytest.mark.spec("S2")
def test_home_sends_each_role_to_its_page(client, login, manager, member) -> None:
    login(client, manager)
    assert client.get("/")["Location"] == "/dashboard/"
    client.logout()
    login(client, member)
    assert client.get("/")["Location"] == "/me/"
    assert client.get("/dashboard/").status_code == 403


def _main_menu(client) -> str:
    menu = re.search(r'<nav aria-label="Main menu">(.*?)</nav>', client.get("/dashboard/").content.decode(), re.S)
    assert menu
    return menu.group(1)


@pytest.mark.spec("F-09", "F-20")
def test_main_menu_leads_to_the_fleet_only_with_the_fleet_right(client, login, manager, billing_manager) -> None:
    login(client, manager)
    assert 'href="/fleet/lines/"' in _main_menu(client) and 'href="/contract/"' in _main_menu(client)
    client.logout()
    login(client, billing_manager)
    assert 'href="/fleet/lines/"' not in _main_menu(client)
