import pytest

from fleetportal.accounts.models import Membership, Role
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.notifications.models import OutboxMessage

FORM = {
    "name": "Initech BV",
    "vat_number": "BE0999999999",
    "language": "fr",
    "login_domain": "initech",
    "contract_number": "C-777",
    "contract_start": "2026-01-01",
    "contract_email": "boss@initech.example",
    "contract_mobile": "0470 55 44 33",
    "billing_account": "100999888",
}


@pytest.mark.spec("F-04", "F-93", "S13")
def test_staff_adds_a_customer_and_the_holder_gets_the_login_mail(client, staff, login):
    login(client, staff)
    response = client.post("/staff/customers/new/", FORM)
    assert response.status_code == 302
    customer = Customer.objects.get(login_domain="initech")
    contract = customer.contracts.get()
    assert (contract.contact_email, contract.contact_mobile) == ("boss@initech.example", "+32470554433")
    assert customer.billing_accounts.get().number == "100999888"
    holder = Membership.objects.get(customer=customer)
    assert (holder.role, holder.status, holder.user.email) == (
        Role.HOLDER,
        Membership.Status.INVITED,
        "boss@initech.example",
    )
    mail = OutboxMessage.objects.filter(recipient="boss@initech.example", kind="email").get()
    assert "/invite/" in mail.body
    assert AuditEvent.objects.filter(action="customer.created", customer=customer, actor=staff).exists()


@pytest.mark.spec("F-93", "R3")
def test_taken_login_domain_is_named_and_nothing_is_created(client, staff, login, customer):
    login(client, staff)
    response = client.post("/staff/customers/new/", {**FORM, "login_domain": customer.login_domain})
    assert response.status_code == 200
    assert "login_domain" in response.context["form"].errors
    assert not Customer.objects.filter(name="Initech BV").exists()
    assert not OutboxMessage.objects.filter(recipient="boss@initech.example").exists()


@pytest.mark.spec("F-93", "S2")
def test_managers_cannot_add_customers(client, manager, login):
    login(client, manager)
    assert client.post("/staff/customers/new/", FORM).status_code == 403
    assert not Customer.objects.filter(name="Initech BV").exists()


@pytest.mark.spec("F-04")
def test_invited_holder_can_claim_the_login_with_contract_email_and_mobile(client, staff, login, last_code):
    login(client, staff)
    client.post("/staff/customers/new/", FORM)
    client.logout()
    response = client.post("/login/claim/", {"email": "boss@initech.example", "phone": "+32 470 55 44 33"})
    assert response.status_code == 302
    code = last_code("+32470554433")
    response = client.post(
        "/login/claim/code/", {"code": code, "password1": "Very-long-pass-4321", "password2": "Very-long-pass-4321"}
    )
    assert response.status_code == 302
    holder = Membership.objects.get(customer__login_domain="initech")
    assert holder.status == Membership.Status.VALIDATED
    assert holder.user.check_password("Very-long-pass-4321")
