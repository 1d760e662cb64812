"""Who may open which back office page (F-93, QUALITY S2): an operator admin every page, a
support agent the reading pages (403 with the reason on the others, no change buttons), a
customer's manager none (403), and an unknown or foreign id is a 404."""

from __future__ import annotations

import pytest

from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.models import PoolNumber

READING = [
    "/staff/",
    "/staff/customers/",
    "/staff/catalogue/",
    "/staff/numbers/",
    "/staff/sim-cards/",
    "/staff/dead-letters/",
]
ADMIN_ONLY = [
    "/staff/customers/new/",
    "/staff/numbers/import/",
    "/staff/sim-cards/import/",
    "/staff/api-keys/",
    "/staff/team/",
]


def _pages(customer: Customer) -> list[str]:
    return [*READING, f"/staff/customers/{customer.pk}/", f"/staff/contracts/{customer.contracts.get().number}/"]


@pytest.mark.spec("F-93", "S2")
def test_the_role_matrix_of_the_pages(client, login, operator_admin, support_agent, manager, customer):
    login(client, operator_admin)
    for path in [*_pages(customer), *ADMIN_ONLY]:
        assert client.get(path).status_code == 200, path
    client.logout()

    login(client, support_agent)
    for path in _pages(customer):
        assert client.get(path).status_code == 200, path
    for path in ADMIN_ONLY:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Only an operator admin" in response.content.decode()
    home = client.get("/staff/").content.decode()
    assert "Add a customer" not in home and "Import a range" not in home and "Staff API keys" not in home
    assert "Import SIM cards" not in client.get("/staff/sim-cards/").content.decode()
    client.logout()

    login(client, manager)
    for path in [*_pages(customer), *ADMIN_ONLY]:
        assert client.get(path).status_code == 403, path


@pytest.mark.spec("F-93", "S1")
def test_an_unknown_customer_or_contract_is_a_404(client, login, support_agent):
    login(client, support_agent)
    assert client.get("/staff/customers/999999/").status_code == 404
    assert client.get("/staff/contracts/NOPE/").status_code == 404


@pytest.mark.spec("F-93", "S2")
def test_an_agent_changes_nothing_through_the_pages(client, login, support_agent, customer):
    login(client, support_agent)
    posts = {
        f"/staff/customers/{customer.pk}/edit/": {
            "customer-name": "Renamed",
            "customer-vat_number": "BE0123456749",
            "customer-language": "nl",
            "customer-country": "BE",
        },
        f"/staff/customers/{customer.pk}/suspend/": {"suspend-reason": "x"},
        "/staff/numbers/import/": {"first": "+32470000000", "last": "+32470000009"},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path
    customer.refresh_from_db()
    assert customer.name == "Acme Belgium NV"
    assert not PoolNumber.objects.exists()
    assert not AuditEvent.objects.filter(actor=support_agent).exclude(action="login.ok").exists()


@pytest.mark.spec("F-93")
def test_the_staff_home_links_other_apps_staff_pages_from_the_navigation(client, login, support_agent, monkeypatch):
    from fleetportal.core import navigation
    from fleetportal.core.navigation import STAFF, MenuEntry, register_menu

    monkeypatch.setattr(navigation, "_menu", dict(navigation._menu))
    register_menu(MenuEntry(key="test.queue", label="Test work queue", url="dev_outbox", audiences=frozenset({STAFF})))
    login(client, support_agent)
    home = client.get("/staff/").content.decode()
    assert "Test work queue" in home and 'href="/dev/outbox/"' in home
    assert home.count('href="/audit/"') == 2  # the menu's and the home's own tile, not the audit app's again


@pytest.mark.spec("F-93")
def test_an_operator_admin_sets_staff_roles_but_the_last_admin_stays(client, login, operator_admin, support_agent):
    from fleetportal.accounts.models import StaffRole

    login(client, operator_admin)
    assert client.get("/staff/team/").status_code == 200
    client.post(f"/staff/team/{support_agent.pk}/role/", {"role": StaffRole.OPERATOR_ADMIN})
    support_agent.refresh_from_db()
    assert support_agent.staff_role == StaffRole.OPERATOR_ADMIN
    event = AuditEvent.objects.get(action="staff.role_changed")
    assert (event.before, event.after) == ({"role": "agent"}, {"role": "admin"})
    client.post(f"/staff/team/{support_agent.pk}/role/", {"role": StaffRole.SUPPORT_AGENT})
    response = client.post(f"/staff/team/{operator_admin.pk}/role/", {"role": StaffRole.SUPPORT_AGENT}, follow=True)
    assert "The last operator admin cannot become a support agent." in response.content.decode()
    operator_admin.refresh_from_db()
    assert operator_admin.staff_role == StaffRole.OPERATOR_ADMIN
    client.logout()
    login(client, support_agent)
    assert client.post(f"/staff/team/{support_agent.pk}/role/", {"role": StaffRole.OPERATOR_ADMIN}).status_code == 403
    support_agent.refresh_from_db()
    assert support_agent.staff_role == StaffRole.SUPPORT_AGENT
