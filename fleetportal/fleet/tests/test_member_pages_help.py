"""The help pages (F-74): Wi-Fi calling on iPhone and Android, PIN and PUK, installing an eSIM,
porting one's number, in each of the five languages (F-80), reached from the member home and
the main menu by members, managers and phone-number logins alike (R-I5)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from fleetportal.accounts.models import User
from fleetportal.fleet.models import Line
from fleetportal.fleet.views.member_help import TOPICS

pytestmark = pytest.mark.spec("F-74", "F-80")

PAGES = ["/me/help/", *(f"/me/help/{topic.slug}/" for topic in TOPICS)]


def _menu(page: str) -> str:
    menu = re.search(r'<ul class="menu-entries">(.*?)</ul>', page, re.S)
    return menu.group(1) if menu else ""


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_help_page_renders_in_each_language(member_client: Client, member: User, language: str) -> None:
    member.language = language
    member.save()
    with translation.override(language):
        titles = [str(translation.gettext("Help")), *(str(topic.title) for topic in TOPICS)]
    for path, title in zip(PAGES, titles, strict=True):
        response = member_client.get(path)
        page = response.content.decode()
        assert response.status_code == 200, path
        assert f'<html lang="{language}">' in page
        assert f"<h1>{title}</h1>" in page and f"<title>{title} · Fleet Portal</title>" in page


def test_the_guides_steps_are_on_their_pages(member_client: Client) -> None:
    """The member's guide (shared/seeds/001): VoWiFi's settings path, the 24 hours of a port-in."""
    iphone = member_client.get("/me/help/wifi-calling-iphone/").content.decode()
    assert "Wi-Fi Calling on This iPhone" in iphone and 'href="/me/help/pin-puk/"' in iphone
    assert "within 24 hours" in member_client.get("/me/help/porting/").content.decode()
    pin_puk = member_client.get("/me/help/pin-puk/").content.decode()
    assert "three times" in pin_puk and "Show PIN and PUK" in pin_puk


def test_unknown_help_pages_are_404_and_help_needs_a_login(member_client: Client) -> None:
    assert member_client.get("/me/help/nothing-here/").status_code == 404
    response = Client().get("/me/help/pin-puk/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.spec("R-I5", "F-08")
def test_members_managers_and_number_logins_find_help_in_the_menu_and_the_home(
    member_client: Client,
    manager_client: Client,
    member: User,
    make_line: Callable[..., Line],
    last_code: Callable[[str], str],
) -> None:
    for client in (member_client, manager_client):
        assert 'href="/me/help/"' in _menu(client.get("/me/").content.decode())
    home = member_client.get("/me/").content.decode()
    assert all(f'href="/me/help/{topic.slug}/"' in home for topic in TOPICS)

    make_line(msisdn="+32470000003", user=member)
    number = Client()
    number.post("/login/phone/", {"step": "number", "phone": "+32470000003"})
    number.post("/login/phone/", {"step": "send"})
    number.post("/login/phone/", {"step": "code", "code": last_code("+32470000003")})
    page = number.get("/me/").content.decode()
    assert 'href="/me/help/"' in _menu(page) and 'href="/me/help/esim/"' in page
    assert number.get("/me/help/esim/").status_code == 200
