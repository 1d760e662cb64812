"""The employee's own lines on /me/ (F-74) and the confirmation of their details (R-F1); a
phone-number login sees only its number there (R-I5); the dashboard's tile leads to the SIM
overview (F-73)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from fleetportal.accounts import session as session_keys
from fleetportal.accounts.models import User
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.fleet.tests.pages import sim_of

from .pages import messages_of

pytestmark = pytest.mark.spec("F-74", "R-F1")

DETAILS = {"first_name": "Mia", "last_name": "Member", "language": "nl", "email": "mia@acme.example"}


def test_the_member_sees_their_own_lines_only(
    member_client: Client, member: User, make_line: Callable[..., Line]
) -> None:
    own = make_line(msisdn="+32470000003", user=member)
    colleague = make_line(msisdn="+32470000777")
    page = member_client.get("/me/").content.decode()
    assert "+32 470 00 00 03" in page and own.plan.name in page
    assert sim_of(own).puk not in page  # shown on a click only (test_member_pages)
    assert "+32 470 00 07 77" not in page and sim_of(colleague).puk not in page
    assert f"/me/lines/{own.pk}/confirm/" in page


def test_confirming_locks_the_details_for_the_manager(
    member_client: Client, manager_client: Client, member: User, make_line: Callable[..., Line]
) -> None:
    line = make_line(user=member, first_name="Mya")
    form = member_client.get(f"/me/lines/{line.pk}/confirm/")
    assert 'value="Mya"' in form.content.decode()
    done = member_client.post(f"/me/lines/{line.pk}/confirm/", {**DETAILS, "version": line.version}, follow=True)
    assert "Thank you: your details are confirmed." in messages_of(done)
    line.refresh_from_db()
    assert line.first_name == "Mia" and line.details_confirmed_at is not None
    assert AuditEvent.objects.filter(action="line.details_confirmed", object_id=str(line.pk)).exists()
    assert "Confirmed by the user on" in manager_client.get(f"/fleet/lines/{line.pk}/").content.decode()
    assert "You confirmed your details on" in member_client.get("/me/").content.decode()


@pytest.mark.spec("R3")
def test_bad_details_are_not_confirmed(member_client: Client, member: User, make_line: Callable[..., Line]) -> None:
    line = make_line(user=member)
    response = member_client.post(f"/me/lines/{line.pk}/confirm/", {**DETAILS, "email": "nope"})
    # The action's message (clean_detail), the one the API gives for the same value.
    assert response.context["form"].errors["email"] == ["Enter a valid e-mail address."]
    assert Line.objects.get(pk=line.pk).details_confirmed_at is None


@pytest.mark.spec("S1", "S2")
def test_lines_of_others_are_404(
    member_client: Client, manager_client: Client, make_line: Callable[..., Line], other_customer: Customer
) -> None:
    colleague = make_line()
    foreign = LineFactory.create(customer=other_customer)
    for line in (colleague, foreign):
        assert member_client.get(f"/me/lines/{line.pk}/confirm/").status_code == 404
        assert member_client.post(f"/me/lines/{line.pk}/confirm/", DETAILS).status_code == 404
    # A manager confirms only a line they use themselves, not any line of the fleet.
    assert manager_client.post(f"/me/lines/{colleague.pk}/confirm/", DETAILS).status_code == 404
    assert Line.objects.filter(details_confirmed_at__isnull=False).count() == 0


@pytest.mark.spec("R-I5", "F-08")
def test_a_phone_number_login_sees_its_number_and_nothing_else(
    client: Client, member: User, make_line: Callable[..., Line], last_code
) -> None:
    own = make_line(msisdn="+32470000003", user=member)
    make_line(msisdn="+32470000888", user=member)  # the member's other line: not this number's
    client.post("/login/phone/", {"step": "number", "phone": "0470 00 00 03"})
    client.post("/login/phone/", {"step": "send"})
    client.post("/login/phone/", {"step": "code", "code": last_code("+32470000003")})
    assert client.session[session_keys.NUMBER] == "+32470000003"
    page = client.get("/me/").content.decode()
    assert "+32 470 00 00 03" in page and "+32 470 00 08 88" not in page
    assert client.get(f"/me/lines/{own.pk}/confirm/").status_code == 200
    for path in ("/fleet/lines/", f"/fleet/lines/{own.pk}/", "/fleet/lines/add/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/me/"


@pytest.mark.spec("F-73")
def test_the_dashboard_tile_opens_the_sim_overview(manager_client: Client) -> None:
    assert 'href="/fleet/lines/"' in manager_client.get("/dashboard/").content.decode()
