"""First login of a new customer (F-04): "No login yet?" lets the contract holder claim the
login with the contract's e-mail and mobile number, after an SMS code."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from fleetportal.accounts.models import Membership, Role
from fleetportal.core.models import AuditEvent
from fleetportal.core.tests.factories import PASSWORD

pytestmark = pytest.mark.spec("F-04")

NEW_PASSWORD = "Tq8-zr5w-Lk3-pX"


def _claim(client, contract, last_code, password: str = NEW_PASSWORD):
    response = client.post("/login/claim/", {"email": contract.contact_email.upper(), "phone": contract.contact_mobile})
    assert response["Location"] == "/login/claim/code/"
    code = last_code(contract.contact_mobile)
    return client.post("/login/claim/code/", {"code": code, "password1": password, "password2": password})


@pytest.mark.spec("F-02", "S13")
def test_holder_claims_the_login_and_is_logged_in(client, customer, last_code) -> None:
    contract = customer.contracts.get()
    response = _claim(client, contract, last_code)
    assert response.status_code == 302
    membership = Membership.objects.get(customer=customer, role=Role.HOLDER)
    user = membership.user
    assert (user.email, user.phone.as_e164) == (contract.contact_email.lower(), contract.contact_mobile)
    assert membership.status == Membership.Status.VALIDATED and membership.alias == "admin"
    assert EmailAddress.objects.get(user=user).verified
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/dashboard/").status_code == 200
    event = AuditEvent.objects.get(action="login.claimed")
    assert (event.actor, event.customer) == (user, customer)


def test_invited_holder_claims_the_existing_membership(client, customer, last_code) -> None:
    """Staff onboarding leaves an INVITED holder; the claim completes that membership."""
    from fleetportal.core.tests.factories import InvitedMembershipFactory

    contract = customer.contracts.get()
    invited = InvitedMembershipFactory.create(customer=customer, role=Role.HOLDER, user__email=contract.contact_email)
    assert _claim(client, contract, last_code).status_code == 302
    invited.refresh_from_db()
    assert invited.status == Membership.Status.VALIDATED
    assert Membership.objects.filter(customer=customer, role=Role.HOLDER).count() == 1


@pytest.mark.spec("S7")
def test_claim_refuses_a_weak_password_and_creates_nothing(client, customer, last_code) -> None:
    contract = customer.contracts.get()
    response = _claim(client, contract, last_code, password="qwertyuiop")
    assert response.status_code == 200
    assert not Membership.objects.filter(customer=customer).exists()


@pytest.mark.spec("S3")
def test_claim_with_a_wrong_code_creates_nothing(client, customer, last_code) -> None:
    contract = customer.contracts.get()
    client.post("/login/claim/", {"email": contract.contact_email, "phone": contract.contact_mobile})
    wrong = f"{(int(last_code(contract.contact_mobile)) + 1) % 10**6:06d}"
    response = client.post("/login/claim/code/", {"code": wrong, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 200
    assert "wrong or no longer valid" in response.content.decode()
    assert not Membership.objects.filter(customer=customer).exists()


def test_claim_of_a_contract_with_a_holder_is_not_possible(client, customer, holder, last_code) -> None:
    contract = customer.contracts.get()
    client.post("/login/claim/", {"email": contract.contact_email, "phone": contract.contact_mobile})
    response = client.post(
        "/login/claim/code/", {"code": "000000", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 200
    holder.refresh_from_db()
    assert holder.check_password(PASSWORD)
    assert Membership.objects.filter(customer=customer, role=Role.HOLDER).get().user == holder
