"""The Manage SIM page (F-27): its tabs, user details editable by managers only until the user
confirmed them (R-F1), the address, products with their "modify" links, billing (F-30), and
the line's history, plans and network requests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.billing.models import SplitBillProfile
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.core.tests.factories import BillingAccountFactory
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.fleet.tests.pages import sim_of

from .pages import messages_of

pytestmark = pytest.mark.spec("F-27")

DETAILS = {
    "description": "Sales Ghent",
    "civility": "ms",
    "first_name": "Lien",
    "last_name": "Claes",
    "birth_date": "1990-04-02",
    "email": "Lien.Claes@Acme.example",
    "contact_phone": "0470 12 34 56",
    "language": "fr",
}


def test_every_tab_shows(manager_client: Client, make_line: Callable[..., Line], options) -> None:
    line = make_line(options=[options["data-eu-5gb"]])
    for tab, text in (
        ("details", sim_of(line).puk),
        ("address", "Street and number"),
        ("products", "Data EU 5 GB"),
        ("more", "Replace SIM"),
        ("nonsense", sim_of(line).iccid),
    ):
        response = manager_client.get(f"/fleet/lines/{line.pk}/", {"tab": tab})
        assert response.status_code == 200
        assert text in response.content.decode()
    products = manager_client.get(f"/fleet/lines/{line.pk}/", {"tab": "products"}).content.decode()
    assert f"/fleet/lines/plan/?line={line.pk}" in products and f"/fleet/lines/{line.pk}/billing/" in products


@pytest.mark.spec("S1", "S2")
def test_foreign_lines_are_404_and_members_403(
    manager_client: Client, member_client: Client, other_customer: Customer, make_line: Callable[..., Line]
) -> None:
    foreign = LineFactory.create(customer=other_customer)
    assert manager_client.get(f"/fleet/lines/{foreign.pk}/").status_code == 404
    assert manager_client.post(f"/fleet/lines/{foreign.pk}/", DETAILS).status_code == 404
    assert manager_client.get(f"/fleet/lines/{foreign.pk}/billing/").status_code == 404
    assert manager_client.get("/fleet/lines/999999/").status_code == 404
    assert member_client.get(f"/fleet/lines/{make_line().pk}/").status_code == 403


def test_manager_edits_details_until_the_user_confirmed_them(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    line = make_line()
    saved = manager_client.post(
        f"/fleet/lines/{line.pk}/?tab=details", {**DETAILS, "version": line.version}, follow=True
    )
    assert "The changes were saved." in messages_of(saved)
    line.refresh_from_db()
    assert (line.first_name, line.email, line.contact_phone, line.language, line.civility) == (
        "Lien",
        "lien.claes@acme.example",
        "+32470123456",
        "fr",
        "ms",
    )
    assert AuditEvent.objects.filter(action="line.details_updated", object_id=str(line.pk)).exists()

    Line.objects.filter(pk=line.pk).update(details_confirmed_at=timezone.now())
    page = manager_client.get(f"/fleet/lines/{line.pk}/").content.decode()
    assert f"Confirmed by the user on {timezone.localdate():%d/%m/%Y}" in page
    assert 'name="first_name"' not in page
    refused = manager_client.post(f"/fleet/lines/{line.pk}/?tab=details", {**DETAILS, "first_name": "Someone"})
    assert "only they can change them now" in refused.content.decode()
    assert Line.objects.get(pk=line.pk).first_name == "Lien"


@pytest.mark.spec("R3")
def test_bad_details_name_their_field_and_change_nothing(
    manager_client: Client, make_line: Callable[..., Line]
) -> None:
    line = make_line(first_name="Old")
    response = manager_client.post(
        f"/fleet/lines/{line.pk}/?tab=details",
        {**DETAILS, "email": "not-an-address", "contact_phone": "12", "birth_date": "2999-01-01", "language": "xx"},
    )
    errors = response.context["form"].errors
    assert set(errors) == {"email", "contact_phone", "birth_date", "language"}
    assert errors["birth_date"] == ["Enter a birth date in the past."]
    assert Line.objects.get(pk=line.pk).first_name == "Old"


@pytest.mark.spec("R2")
def test_a_stale_page_does_not_overwrite_a_newer_change(manager_client: Client, make_line: Callable[..., Line]) -> None:
    line = make_line()
    Line.objects.filter(pk=line.pk).update(version=line.version + 1, first_name="Newer")
    response = manager_client.post(f"/fleet/lines/{line.pk}/?tab=details", {**DETAILS, "version": line.version})
    assert "changed meanwhile" in response.content.decode()
    assert Line.objects.get(pk=line.pk).first_name == "Newer"


def test_the_address_stays_editable_after_confirmation(manager_client: Client, make_line: Callable[..., Line]) -> None:
    line = make_line(details_confirmed_at=timezone.now())
    address = {"postal_code": "2050", "locality": "Antwerpen", "street": "Katwilgweg 2", "box": "B"}
    manager_client.post(f"/fleet/lines/{line.pk}/?tab=address", address)
    line.refresh_from_db()
    assert (line.postal_code, line.locality, line.street, line.box) == ("2050", "Antwerpen", "Katwilgweg 2", "B")


@pytest.mark.spec("F-30")
def test_billing_account_and_split_bill_profile(
    manager_client: Client, make_line: Callable[..., Line], customer: Customer, other_customer: Customer, catalogue
) -> None:
    line = make_line()
    second = BillingAccountFactory.create(customer=customer, contract=catalogue)
    profile = SplitBillProfile.objects.create(customer=customer, name="Plan paid, usage to EUR 10")
    foreign = SplitBillProfile.objects.create(customer=other_customer, name="Theirs")
    url = f"/fleet/lines/{line.pk}/billing/"
    refused = manager_client.post(url, {"billing_account": second.pk, "split_bill_profile": foreign.pk})
    assert "split_bill_profile" in refused.context["form"].errors
    done = manager_client.post(
        url, {"billing_account": second.pk, "split_bill_profile": profile.pk, "version": line.version}, follow=True
    )
    assert "The billing of this number was changed." in messages_of(done)
    line.refresh_from_db()
    assert (line.billing_account, line.split_bill_profile) == (second, profile)


def test_more_tab_shows_history_and_network(manager_client: Client, make_line: Callable[..., Line]) -> None:
    line = make_line()
    manager_client.post(f"/fleet/lines/{line.pk}/?tab=details", {**DETAILS, "version": line.version})
    manager_client.post(
        "/fleet/lines/suspend/", {"line": line.pk, "date": timezone.localdate().isoformat(), "confirm": "1"}
    )
    more = manager_client.get(f"/fleet/lines/{line.pk}/", {"tab": "more"}).content.decode()
    assert "User details changed" in more and "Line suspended" in more  # readable names, not codes (F-33)
    assert "Suspend" in more and "manager@acme.example" in more
    assert "Reactivate" in more  # the line is suspended now
