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
    "country": "BE",
    "currency": "EUR",
}


@pytest.mark.spec("F-04", "F-93", "S13")
def test_staff_adds_a_customer_and_the_holder_gets_the_login_mail(client, operator_admin, login):
    login(client, operator_admin)
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
    assert AuditEvent.objects.filter(action="customer.created", customer=customer, actor=operator_admin).exists()


@pytest.mark.spec("F-93", "R3")
def test_taken_login_domain_is_named_and_nothing_is_created(client, operator_admin, login, customer):
    login(client, operator_admin)
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
def test_invited_holder_can_claim_the_login_with_contract_email_and_mobile(client, operator_admin, login, last_code):
    login(client, operator_admin)
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


@pytest.mark.spec("F-93")
def test_admin_edits_customer_and_contract_audited_with_before_and_after(client, operator_admin, login, customer):
    login(client, operator_admin)
    contract = customer.contracts.get()
    response = client.post(
        f"/staff/customers/{customer.pk}/edit/",
        {
            "customer-name": customer.name,
            "customer-legal_name": "Acme Belgium NV/SA",
            "customer-vat_number": customer.vat_number,
            "customer-language": "fr",
            "customer-country": "LU",
        },
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.legal_name, customer.language, customer.country) == ("Acme Belgium NV/SA", "fr", "LU")
    event = AuditEvent.objects.get(action="customer.updated", customer=customer)
    assert event.before["country"] == "BE" and event.after["country"] == "LU"
    assert set(event.after) == {"legal_name", "language", "country"}  # only what changed

    response = client.post(
        f"/staff/contracts/{contract.number}/edit/",
        {
            "start_date": "2026-02-01",
            "contact_email": contract.contact_email,
            "contact_mobile": "0470 99 88 77",
            "currency": "HUF",
        },
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.currency, contract.contact_mobile, str(contract.start_date)) == (
        "HUF",
        "+32470998877",
        "2026-02-01",
    )
    assert AuditEvent.objects.get(action="contract.updated").after["currency"] == "HUF"


@pytest.mark.spec("F-93", "R3")
def test_an_unknown_country_is_refused_on_its_field_and_nothing_changes(operator_admin, customer, actor_for):
    from fleetportal.backoffice.actions import CustomerChange, customer_update
    from fleetportal.core.errors import ActionError

    change = CustomerChange(name="Acme", legal_name="", vat_number="BE0123456749", language="nl", country="XX")
    with pytest.raises(ActionError) as refused:
        customer_update(actor=actor_for(operator_admin), customer=customer, change=change)
    assert refused.value.field == "country"
    customer.refresh_from_db()
    assert (customer.name, customer.country) == ("Acme Belgium NV", "BE")
    assert not AuditEvent.objects.filter(action="customer.updated").exists()


@pytest.mark.spec("F-93")
def test_the_customer_list_searches_filters_and_pages(client, support_agent, login, customer, other_customer):
    from fleetportal.core.tests.factories import CustomerFactory

    CustomerFactory.create_batch(55, country="HU")
    login(client, support_agent)
    page = client.get("/staff/customers/", {"q": "globex"})
    assert [c.name for c in page.context["page"]] == ["Globex Kft"]
    page = client.get("/staff/customers/", {"country": "HU"})
    assert page.context["page"].paginator.count == 55  # not Acme nor Globex (BE)
    assert len(page.context["page"]) == 50
    second = client.get("/staff/customers/", {"country": "HU", "page": 2})
    assert len(second.context["page"]) == 5
    assert "country=HU&amp;page=1" in second.content.decode()  # the filter stays in the page links
