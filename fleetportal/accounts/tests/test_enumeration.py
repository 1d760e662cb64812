"""No account enumeration (QUALITY S6): "forgot password", "no login yet?" and the phone-number
login answer the same for unknown and known addresses, also when asked again, and send
nothing for unknown ones."""

from __future__ import annotations

import pytest
from django.test import Client

from fleetportal.accounts.tests.pages import comparable
from fleetportal.notifications.models import OutboxMessage

pytestmark = pytest.mark.spec("S6")


def _answer(client: Client, path: str, data: dict, replace: tuple[str, str] = ("", "")) -> tuple:
    """(status, redirect, text of the page it leads to), without what differs per render."""
    response = client.post(path, data)
    location = response.get("Location", "")
    page = client.get(location) if response.status_code == 302 else response
    text = comparable(page.content.decode())
    if replace[0]:
        text = text.replace(*replace)
    return response.status_code, location, page.status_code, text


@pytest.mark.spec("F-06")
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_forgot_password_same_answer_for_known_and_unknown(manager, channel, age_codes) -> None:
    unknown = _answer(Client(), "/password/forgot/", {"login": "nobody@acme.example", "channel": channel})
    known = _answer(Client(), "/password/forgot/", {"login": manager.email, "channel": channel})
    assert unknown[0] == 302
    assert unknown == known
    assert OutboxMessage.objects.count() == 1
    assert OutboxMessage.objects.get().recipient == (manager.email if channel == "email" else "+32470000002")
    age_codes()
    alias = _answer(Client(), "/password/forgot/", {"login": "manager@acme", "channel": channel})
    assert alias == known
    assert OutboxMessage.objects.count() == 2


@pytest.mark.spec("F-06", "S4")
@pytest.mark.parametrize("channel", ["email", "sms"])
def test_forgot_password_asked_twice_same_answer_for_known_and_unknown(manager, channel) -> None:
    """The resend limit must not tell a known address (429 on the second ask) from an unknown one."""
    answers = []
    for login in ("nobody@acme.example", manager.email):
        client = Client()
        _answer(client, "/password/forgot/", {"login": login, "channel": channel})
        answers.append(_answer(client, "/password/forgot/", {"login": login, "channel": channel}))
    assert answers[0] == answers[1]
    assert answers[0][0] == 429
    assert OutboxMessage.objects.count() == 1


@pytest.mark.spec("F-06")
def test_forgot_password_by_sms_for_a_login_without_mobile_sends_nothing(staff) -> None:
    unknown = _answer(Client(), "/password/forgot/", {"login": "nobody@operator.example", "channel": "sms"})
    known = _answer(Client(), "/password/forgot/", {"login": staff.email, "channel": "sms"})
    assert unknown == known
    assert not OutboxMessage.objects.exists()


@pytest.mark.spec("F-04")
def test_claim_same_answer_for_matching_and_unknown_contract(customer) -> None:
    contract = customer.contracts.get()
    unknown = _answer(Client(), "/login/claim/", {"email": "nobody@acme.example", "phone": "0470 99 99 99"})
    known = _answer(Client(), "/login/claim/", {"email": contract.contact_email, "phone": contract.contact_mobile})
    assert unknown[0] == 302
    assert unknown == known
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == [contract.contact_mobile]


@pytest.mark.spec("F-04")
def test_claim_of_a_contract_that_has_a_login_sends_nothing(customer, holder) -> None:
    contract = customer.contracts.get()
    unknown = _answer(Client(), "/login/claim/", {"email": "nobody@acme.example", "phone": "0470 99 99 99"})
    taken = _answer(Client(), "/login/claim/", {"email": contract.contact_email, "phone": contract.contact_mobile})
    assert unknown == taken
    assert not OutboxMessage.objects.exists()


@pytest.mark.spec("F-04", "S4")
def test_claim_asked_twice_same_answer_for_matching_and_unknown(customer) -> None:
    contract = customer.contracts.get()
    answers = []
    for data in (
        {"email": "nobody@acme.example", "phone": "0470 99 99 99"},
        {"email": contract.contact_email, "phone": contract.contact_mobile},
    ):
        client = Client()
        _answer(client, "/login/claim/", data)
        answers.append(_answer(client, "/login/claim/", data)[0])
    assert answers[0] == answers[1]


@pytest.mark.spec("F-08", "S4")
def test_phone_login_asked_twice_same_answer_for_known_and_unknown(member) -> None:
    statuses = []
    for number in ("0470 99 99 99", "0470 00 00 03"):
        client = Client()
        client.post("/login/phone/", {"step": "number", "phone": number})
        client.post("/login/phone/", {"step": "send"})
        statuses.append(client.post("/login/phone/", {"step": "send"}).status_code)
    assert statuses[0] == statuses[1]
    assert OutboxMessage.objects.count() == 1
