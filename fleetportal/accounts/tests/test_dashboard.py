"""The fleet manager's dashboard (F-73): the seeds' tiles, as far as the manager's rights go."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.spec("F-73")

ALL_TILES = (
    "Manage SIM cards",
    "Manage user profiles",
    "Create ticket",
    "Go to invoices",
    "Group bundles",
    "Billing settings",
    "Pay invoices",
    "Contract / MSA",
)
BILLING_TILES = ("Go to invoices", "Billing settings", "Pay invoices")


def test_manager_sees_every_tile(client, login, manager) -> None:
    login(client, manager)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    for tile in ALL_TILES:
        assert tile in page
    assert "Acme Belgium NV" in page
    assert 'href="/users/"' in page
    assert 'href="/settings/security/"' not in page


def test_holder_also_gets_the_security_settings(client, login, holder) -> None:
    login(client, holder)
    page = client.get("/dashboard/").content.decode()
    for tile in ALL_TILES:
        assert tile in page
    assert 'href="/settings/security/"' in page


@pytest.mark.spec("F-09")
def test_billing_manager_sees_only_billing_tiles(client, login, billing_manager) -> None:
    login(client, billing_manager)
    page = client.get("/dashboard/").content.decode()
    tiles = re.search(r'<section class="tiles">(.*?)</section>', page, re.S)
    assert tiles
    for tile in ALL_TILES:
        assert (tile in tiles.group(1)) == (tile in BILLING_TILES), tile
    assert 'href="/users/"' not in tiles.group(1)


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
