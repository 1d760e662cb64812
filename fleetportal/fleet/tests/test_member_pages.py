"""The member's own line (F-74): /me/ and /me/lines/<id>/ show plan, options, number, SIM, blocks
and limits; PIN, PUK and the eSIM code only after a click, audited and limited; the eSIM's QR
code only to the line's own user. A phone-number login reaches exactly its number's pages (R-I5);
the manager's Manage SIM page is unchanged (R-F1 confirmation stays linked)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.catalog.models import Option
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.actions.codes import CODES_REVEALED, REVEALS_PER_HOUR
from fleetportal.fleet.models import Line, LineBlock, Service
from fleetportal.fleet.tests.factories import LineFactory, SimCardFactory
from fleetportal.fleet.tests.pages import sim_of

pytestmark = pytest.mark.spec("F-74")

MEMBER_NUMBER = "+32470000003"  # the `member` fixture's own mobile number


def _number_login(client: Client, number: str, last_code: Callable[[str], str]) -> Client:
    client.post("/login/phone/", {"step": "number", "phone": number})
    client.post("/login/phone/", {"step": "send"})
    client.post("/login/phone/", {"step": "code", "code": last_code(number)})
    assert client.session.get("fp_number") == number
    return client


def _reveal(client: Client, line: Line, *, htmx: bool = True) -> Any:  # the test client's response
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"/me/lines/{line.pk}/codes/", headers=headers)


def _reveals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=CODES_REVEALED))


@pytest.mark.spec("R-F1")
def test_my_line_shows_plan_options_sim_blocks_and_limits_but_hides_the_codes(
    member_client: Client, member: User, make_line: Callable[..., Line], options: dict[str, Option]
) -> None:
    option = next(iter(options.values()))
    line = make_line(
        msisdn=MEMBER_NUMBER,
        user=member,
        options=[option],
        paybymobile=Line.PayByMobile.CAPPED,
        paybymobile_cap="15.00",
    )
    LineBlock.objects.create(line=line, service=Service.ROAMING_DATA)
    sim = sim_of(line)
    for path in ("/me/", f"/me/lines/{line.pk}/"):
        page = member_client.get(path).content.decode()
        assert "+32 470" in page and line.plan.name in page and option.name in page and sim.iccid in page
        assert 'data-service="roaming_data"' in page and "Abroad: data" in page
        assert "15.00 EUR a month" in page
        assert sim.puk not in page and sim.pin not in page and "Show PIN and PUK" in page
        assert f"/me/lines/{line.pk}/confirm/" in page  # R-F1: confirm my details
        assert f"/me/lines/{line.pk}/bundle-alerts/" in page and "/me/help/" in page
    assert f'href="/me/lines/{line.pk}/"' in member_client.get("/me/").content.decode()
    assert _reveals() == []


def test_showing_the_codes_returns_them_and_audits_who_and_which_line(
    member_client: Client, member: User, make_line: Callable[..., Line]
) -> None:
    line = make_line(user=member)
    sim = sim_of(line)
    response = _reveal(member_client, line)
    assert response.status_code == 200
    fragment = response.content.decode()
    assert sim.pin in fragment and sim.puk in fragment and "<html" not in fragment  # the block, for htmx
    (event,) = _reveals()
    assert event.actor == member and event.actor_label == member.email
    assert (event.object_type, event.object_id, event.customer_id) == ("line", str(line.pk), line.customer_id)
    assert event.after["iccid"] == sim.iccid and "puk" in event.after["codes"]
    # Without script, the same POST answers with the whole page, codes shown.
    page = _reveal(member_client, line, htmx=False).content.decode()
    assert "<html" in page and sim.puk in page and len(_reveals()) == 2


@pytest.mark.spec("S6")
def test_the_codes_are_shown_ten_times_an_hour_then_a_clear_refusal(
    member_client: Client, member: User, make_line: Callable[..., Line]
) -> None:
    first, second = make_line(user=member), make_line(user=member)
    for n in range(REVEALS_PER_HOUR):
        line = first if n % 2 else second
        assert sim_of(line).puk in _reveal(member_client, line).content.decode()
    refused = _reveal(member_client, first, htmx=False)
    assert refused.status_code == 429  # the limit is the user's, over all their lines
    assert "You asked for your SIM codes 10 times in the last hour. Try again later." in refused.content.decode()
    assert sim_of(first).puk not in refused.content.decode()
    htmx = _reveal(member_client, second)
    assert htmx.status_code == 200 and "Try again later." in htmx.content.decode()  # htmx swaps only 2xx
    assert len(_reveals()) == REVEALS_PER_HOUR
    AuditEvent.objects.filter(action=CODES_REVEALED).update(created_at=timezone.now() - timedelta(minutes=61))
    assert sim_of(first).puk in _reveal(member_client, first).content.decode()


@pytest.mark.spec("S1", "S2")
def test_another_members_line_is_404_for_every_member_page(
    member_client: Client, make_line: Callable[..., Line], other_customer: Customer
) -> None:
    colleague = make_line(msisdn="+32470000777", sim=SimCardFactory.create(esim=True))
    foreign = LineFactory.create(customer=other_customer)
    for line in (colleague, foreign):
        assert member_client.get(f"/me/lines/{line.pk}/").status_code == 404
        assert _reveal(member_client, line).status_code == 404
        assert member_client.get(f"/me/lines/{line.pk}/esim-qr.png").status_code == 404
        assert member_client.post(f"/me/lines/{line.pk}/bundle-alerts/", {}).status_code == 404
    assert member_client.get("/me/lines/999999999/").status_code == 404
    assert _reveals() == []
    assert Line.objects.get(pk=colleague.pk).bundle_alerts


def test_the_esim_code_and_qr_go_to_the_lines_own_user_after_the_audited_click(
    member_client: Client, manager_client: Client, member: User, make_line: Callable[..., Line]
) -> None:
    line = make_line(user=member, sim=SimCardFactory.create(esim=True))
    sim = sim_of(line)
    qr = f"/me/lines/{line.pk}/esim-qr.png"
    assert member_client.get(qr).status_code == 404  # not before the codes were shown
    page = member_client.get(f"/me/lines/{line.pk}/").content.decode()
    assert "Show PIN, PUK and eSIM code" in page and sim.activation_code not in page
    fragment = _reveal(member_client, line).content.decode()
    assert sim.activation_code in fragment and qr in fragment
    image = member_client.get(qr)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert image["Content-Type"] == "image/png" and image["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in image["Cache-Control"] and "private" in image["Cache-Control"]
    # A fleet manager manages the line on the fleet pages; the member's QR is not theirs.
    assert manager_client.get(qr).status_code == 404
    assert manager_client.post(f"/me/lines/{line.pk}/codes/").status_code == 404


def test_a_physical_sim_has_no_qr(member_client: Client, member: User, make_line: Callable[..., Line]) -> None:
    line = make_line(user=member)
    _reveal(member_client, line)
    assert member_client.get(f"/me/lines/{line.pk}/esim-qr.png").status_code == 404


def test_the_bundle_alerts_switch_on_the_line_page_comes_back_to_it(
    member_client: Client, member: User, make_line: Callable[..., Line]
) -> None:
    line = make_line(user=member)
    page = f"/me/lines/{line.pk}/"
    response = member_client.post(f"/me/lines/{line.pk}/bundle-alerts/", {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert Line.objects.get(pk=line.pk).bundle_alerts is False
    outside = member_client.post(f"/me/lines/{line.pk}/bundle-alerts/", {"next": "https://evil.example/"})
    assert outside["Location"] == "/me/"


@pytest.mark.spec("R-I5", "F-08")
def test_a_phone_number_login_reaches_exactly_its_numbers_pages(
    client: Client, member: User, make_line: Callable[..., Line], last_code: Callable[[str], str]
) -> None:
    own = make_line(msisdn=MEMBER_NUMBER, user=member)
    other_of_member = make_line(msisdn="+32470000888", user=member)
    colleague = make_line(msisdn="+32470000777")
    _number_login(client, MEMBER_NUMBER, last_code)
    page = client.get(f"/me/lines/{own.pk}/").content.decode()
    assert "+32 470 00 00 03" in page and "/usage/lines/" not in page  # usage details are a full login's page
    assert sim_of(own).puk in _reveal(client, own).content.decode()
    assert client.get("/me/help/").status_code == 200 and client.get("/me/help/pin-puk/").status_code == 200
    for line in (other_of_member, colleague):
        assert client.get(f"/me/lines/{line.pk}/").status_code == 404
        assert _reveal(client, line).status_code == 404
    (event,) = _reveals()
    assert event.object_id == str(own.pk) and event.actor == member
    for closed in (f"/fleet/lines/{own.pk}/", f"/usage/lines/{own.pk}/", "/invoices/"):
        response = client.get(closed)
        assert response.status_code == 302 and response["Location"] == "/me/"


@pytest.mark.spec("R-I5", "F-08")
def test_a_number_login_without_the_alerts_function_gets_no_switch(
    client: Client, member: User, customer: Customer, make_line: Callable[..., Line], last_code: Callable[[str], str]
) -> None:
    own = make_line(msisdn=MEMBER_NUMBER, user=member)
    customer.number_login_functions = ["usage"]
    customer.save()
    _number_login(client, MEMBER_NUMBER, last_code)
    assert f"/me/lines/{own.pk}/bundle-alerts/" not in client.get(f"/me/lines/{own.pk}/").content.decode()
    assert client.post(f"/me/lines/{own.pk}/bundle-alerts/", {}).status_code == 404
    assert Line.objects.get(pk=own.pk).bundle_alerts


def test_the_managers_pages_are_unchanged(
    manager_client: Client, manager: User, make_line: Callable[..., Line]
) -> None:
    """A manager reads the codes of the fleet on Manage SIM as before; on /me/ they see only the
    lines they use themselves."""
    fleet_line = make_line(msisdn="+32470000777")
    own = make_line(msisdn="+32470000002", user=manager)
    assert sim_of(fleet_line).puk in manager_client.get(f"/fleet/lines/{fleet_line.pk}/").content.decode()
    assert manager_client.get(f"/me/lines/{fleet_line.pk}/").status_code == 404
    home = manager_client.get("/me/").content.decode()
    assert "+32 470 00 00 02" in home and "+32 470 00 07 77" not in home
    assert sim_of(own).puk in _reveal(manager_client, own).content.decode()
