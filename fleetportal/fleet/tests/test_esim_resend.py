"""Resending an eSIM's activation e-mail (F-23): only for an eSIM of a line that is not stopped,
through the outbox with the LPA code and the QR code, audited, at most three times an hour per
line; from the Manage SIM page and the API, for the line's own customer only."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.core.actor import Actor
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.actions import EsimResendRefused, TooManyResends, esim_resend_activation
from fleetportal.fleet.actions.sims import ESIM_RESENDS_PER_HOUR
from fleetportal.fleet.esim import qr_png
from fleetportal.fleet.models import Line, SimCard
from fleetportal.fleet.tests.factories import LineFactory, SimCardFactory
from fleetportal.notifications.models import OutboxMessage
from fleetportal.tests.api_client import ApiClient

from .pages import messages_of, sim_of

pytestmark = pytest.mark.spec("F-23")

API = "/api/v1"


def mails() -> int:
    """E-mails in the outbox (logging in through the pages queues an SMS code too)."""
    return OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL).count()


@pytest.fixture
def esim_line(make_line: Callable[..., Line], customer: Customer) -> Line:
    sim = SimCardFactory.create(customer=customer, esim=True, status=SimCard.Status.IN_USE)
    return make_line(sim=sim, email="jan@example.com")


@pytest.fixture
def foreign_esim(other_customer: Customer, plans) -> Line:
    sim = SimCardFactory.create(customer=other_customer, esim=True, status=SimCard.Status.IN_USE)
    return LineFactory.create(customer=other_customer, plan=plans["mobile-start"], sim=sim, email="x@example.com")


# --- the action -----------------------------------------------------------------------------------


def test_an_esim_gets_its_activation_mail_again_with_the_qr_code(manager_actor: Actor, esim_line: Line) -> None:
    message = esim_resend_activation(actor=manager_actor, line=esim_line)
    sim = sim_of(esim_line)
    stored = OutboxMessage.objects.get()
    assert stored == message and stored.recipient == "jan@example.com"
    assert sim.activation_code in stored.body and sim.puk in stored.body
    (attachment,) = stored.attachments
    assert attachment["content_type"] == "image/png"
    assert base64.b64decode(attachment["content"]) == qr_png(sim.activation_code)
    event = AuditEvent.objects.get(action="line.esim_resent")
    assert event.object_id == str(esim_line.pk) and event.after["recipient"] == "jan@example.com"
    assert sim.puk not in str(event.after)


def test_a_given_address_is_used_and_a_bad_one_refused(manager_actor: Actor, esim_line: Line) -> None:
    esim_resend_activation(actor=manager_actor, line=esim_line, email=" new@example.com ")
    assert OutboxMessage.objects.get().recipient == "new@example.com"
    with pytest.raises(ActionError) as refused:
        esim_resend_activation(actor=manager_actor, line=esim_line, email="not-an-address")
    assert refused.value.field == "email"
    assert OutboxMessage.objects.count() == AuditEvent.objects.count() == 1


def test_a_physical_sim_or_a_stopped_line_is_refused_and_nothing_sent(
    manager_actor: Actor, make_line: Callable[..., Line], esim_line: Line
) -> None:
    Line.objects.filter(pk=esim_line.pk).update(status=Line.Status.STOPPED)
    esim_line.refresh_from_db()
    for line, text in ((make_line(), "physical SIM card"), (esim_line, "is stopped")):
        with pytest.raises(EsimResendRefused) as refused:
            esim_resend_activation(actor=manager_actor, line=line)
        assert text in str(refused.value.message)
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(action="line.esim_resent").exists()


def test_at_most_three_resends_an_hour_per_line(manager_actor: Actor, esim_line: Line, make_line, customer) -> None:
    for _ in range(ESIM_RESENDS_PER_HOUR):
        esim_resend_activation(actor=manager_actor, line=esim_line)
    with pytest.raises(TooManyResends) as refused:
        esim_resend_activation(actor=manager_actor, line=esim_line)
    assert refused.value.code == "too_many" and "last hour" in str(refused.value.message)
    assert OutboxMessage.objects.count() == ESIM_RESENDS_PER_HOUR
    # Another line has its own count, and an hour later this one may again.
    other = make_line(sim=SimCardFactory.create(customer=customer, esim=True, status=SimCard.Status.IN_USE))
    esim_resend_activation(actor=manager_actor, line=other)
    AuditEvent.objects.filter(object_id=str(esim_line.pk)).update(created_at=timezone.now() - timedelta(minutes=61))
    esim_resend_activation(actor=manager_actor, line=esim_line)
    assert OutboxMessage.objects.count() == ESIM_RESENDS_PER_HOUR + 2


@pytest.mark.spec("S1", "S2")
def test_only_managers_of_the_lines_customer_may_resend(
    other_actor: Actor, member_actor: Actor, esim_line: Line
) -> None:
    for actor in (other_actor, member_actor):
        with pytest.raises(PermissionDeniedError):
            esim_resend_activation(actor=actor, line=esim_line)
    assert not OutboxMessage.objects.exists()


# --- the Manage SIM page --------------------------------------------------------------------------


def test_the_resend_button_shows_for_an_esim_only(
    manager_client: Client, esim_line: Line, make_line: Callable[..., Line]
) -> None:
    button = f'action="/fleet/lines/{esim_line.pk}/esim/resend/"'
    assert button in manager_client.get(f"/fleet/lines/{esim_line.pk}/", {"tab": "details"}).content.decode()
    physical = make_line()
    page = manager_client.get(f"/fleet/lines/{physical.pk}/", {"tab": "details"}).content.decode()
    assert "/esim/resend/" not in page and sim_of(physical).puk in page
    Line.objects.filter(pk=esim_line.pk).update(status=Line.Status.STOPPED)
    assert button not in manager_client.get(f"/fleet/lines/{esim_line.pk}/").content.decode()


def test_the_page_resends_and_shows_refusals_on_the_form(
    manager_client: Client, esim_line: Line, make_line: Callable[..., Line]
) -> None:
    url = f"/fleet/lines/{esim_line.pk}/esim/resend/"
    sent = manager_client.post(url, {"email": ""}, follow=True)
    assert sent.redirect_chain[-1][0] == f"/fleet/lines/{esim_line.pk}/?tab=details"
    assert "The activation e-mail was sent to jan@example.com." in messages_of(sent)
    bad = manager_client.post(url, {"email": "nope"})
    assert bad.status_code == 200 and "Enter a valid e-mail address." in bad.content.decode()
    for _ in range(ESIM_RESENDS_PER_HOUR - 1):
        manager_client.post(url, {"email": "new@example.com"})
    too_many = manager_client.post(url, {"email": ""})
    assert too_many.status_code == 429 and "in the last hour" in too_many.content.decode()
    physical = manager_client.post(f"/fleet/lines/{make_line().pk}/esim/resend/", {"email": ""})
    assert physical.status_code == 200 and "physical SIM card" in physical.content.decode()
    assert mails() == ESIM_RESENDS_PER_HOUR


@pytest.mark.spec("S1", "S2")
def test_the_page_is_404_for_a_foreign_line_and_403_for_a_member(
    manager_client: Client, member_client: Client, foreign_esim: Line, esim_line: Line
) -> None:
    assert manager_client.get(f"/fleet/lines/{foreign_esim.pk}/esim/resend/").status_code == 404
    assert manager_client.post(f"/fleet/lines/{foreign_esim.pk}/esim/resend/", {"email": ""}).status_code == 404
    assert member_client.post(f"/fleet/lines/{esim_line.pk}/esim/resend/", {"email": ""}).status_code == 403
    assert mails() == 0


# --- the API --------------------------------------------------------------------------------------


@pytest.fixture
def fleet_client(new_key, holder) -> ApiClient:
    return ApiClient(new_key(holder, scopes=("read", "fleet"))[1])


def test_the_api_resends_refuses_and_limits(fleet_client: ApiClient, esim_line: Line, make_line) -> None:
    path = f"{API}/lines/{esim_line.pk}/esim/resend"
    sent = fleet_client.send("post", path, {"email": "it@example.com"})
    assert sent.status_code == 200 and sent.json() == {"recipient": "it@example.com"}
    assert AuditEvent.objects.get(action="line.esim_resent").channel == "api"
    bad = fleet_client.send("post", path, {"email": "it@"})
    assert bad.status_code == 400 and bad.json()["field"] == "email"
    physical = fleet_client.send("post", f"{API}/lines/{make_line().pk}/esim/resend", {})
    assert physical.status_code == 400 and "physical SIM card" in physical.json()["detail"]
    for _ in range(ESIM_RESENDS_PER_HOUR - 1):
        assert fleet_client.send("post", path, {}).status_code == 200
    limited = fleet_client.send("post", path, {})
    assert limited.status_code == 429 and limited.json()["code"] == "too_many"
    assert mails() == ESIM_RESENDS_PER_HOUR


@pytest.mark.spec("F-23", "R3")
@pytest.mark.parametrize("email", ["nope", "a@b", "jan peeters@example.com", "jan@example..com", "x" * 250 + "@ex.be"])
def test_a_bad_address_gets_the_actions_message_on_the_page_and_in_the_api(
    manager_actor: Actor, manager_client: Client, fleet_client: ApiClient, esim_line: Line, email: str
) -> None:
    """The form once had Django's own e-mail field: "Enter a valid email address." on the page,
    "Enter a valid e-mail address." from the action and the API."""
    with pytest.raises(ActionError) as refused:
        esim_resend_activation(actor=manager_actor, line=esim_line, email=email)
    assert refused.value.field == "email"
    message = str(refused.value.message)

    page = manager_client.post(f"/fleet/lines/{esim_line.pk}/esim/resend/", {"email": email})
    assert page.status_code == 200, "the page accepted a bad address"
    assert dict(page.context["form"].errors) == {"email": [message]}

    if len(email) <= Line._meta.get_field("email").max_length:  # type: ignore[operator]
        answer = fleet_client.send("post", f"{API}/lines/{esim_line.pk}/esim/resend", {"email": email})
        assert answer.status_code == 400, answer.content
        assert (answer.json()["field"], answer.json()["detail"]) == ("email", message)
    assert mails() == 0


@pytest.mark.spec("S1", "S2")
def test_the_api_is_404_for_a_foreign_line_and_403_for_a_member_session(
    fleet_client: ApiClient, foreign_esim: Line, esim_line: Line, client: Client, login, member
) -> None:
    assert fleet_client.send("post", f"{API}/lines/{foreign_esim.pk}/esim/resend", {}).status_code == 404
    login(client, member)
    member_call = client.post(f"{API}/lines/{esim_line.pk}/esim/resend", {}, content_type="application/json")
    assert member_call.status_code == 403 and member_call.json()["code"] == "forbidden"
    assert mails() == 0
