"""Tickets through the pages and the API (F-70): the same rules and errors, downloads only for
those who see the ticket, notes never on a customer's page or API answer, the staff queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.accounts.models import User
from fleetportal.accounts.staff_keys import staff_api_key_create
from fleetportal.conftest import make_actor
from fleetportal.fleet.models import Line
from fleetportal.support import actions
from fleetportal.support.models import Attachment, Ticket

from .conftest import PDF, Files

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-70")]

Login = Callable[..., object]
OpenTicket = Callable[..., Ticket]


def logged_in(login: Login, user: User) -> Client:
    client = Client()
    login(client, user)
    return client


def form(**overrides: object) -> dict[str, object]:
    return {
        "subject": "technical",
        "message": "No network.",
        "contact_email": "manager@acme.example",
        "contact_phone": "0470000002",
    } | overrides


# --- the form -------------------------------------------------------------------------------------


def test_the_form_opens_a_ticket_with_numbers_and_files(
    login: Login, manager: User, lines: list[Line], files: Files
) -> None:
    client = logged_in(login, manager)
    page = client.get("/support/new/")
    assert page.status_code == 200
    assert b"Date for this action" in page.content and b"More details" in page.content
    found = client.get("/support/lines/", {"q": "Member"})  # the fleet search: names too
    assert lines[0].msisdn.encode() in found.content
    response = client.post(
        "/support/new/",
        form(
            subject="sim_options",
            detail="stop_pause",
            numbers=[lines[0].msisdn],
            attachments=[files.pdf(), files.png()],
        ),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert list(ticket.lines.all()) == [lines[0]]
    assert ticket.attachments.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "sim_options", "detail": "reactivate", "numbers": ["+32470999999"]}, "numbers"),
        ({"subject": "sim_options", "detail": "reactivate", "action_date": "2001-01-01"}, "action_date"),
    ],
)
def test_the_form_shows_the_refusal_on_its_field(
    login: Login, manager: User, lines: list[Line], overrides: dict, field: str
) -> None:
    if field == "action_date":
        overrides = overrides | {"numbers": [lines[0].msisdn]}
    response = logged_in(login, manager).post("/support/new/", form(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert f'id="id_{field}_error"'.encode() in response.content
    assert not Ticket.objects.exists()


def test_a_fifth_file_on_the_form_names_attachments(login: Login, manager: User, files: Files, media: Path) -> None:
    five = [files.pdf(f"{n}.pdf") for n in range(5)]
    response = logged_in(login, manager).post("/support/new/", form(attachments=five))
    assert response.status_code == 200
    assert "4" in response.context["form"].errors["attachments"][0]
    assert not Ticket.objects.exists() and not media.exists()


# --- downloads ------------------------------------------------------------------------------------


def test_a_download_is_an_attachment_with_nosniff_and_a_foreign_one_is_a_404(
    login: Login, manager: User, other_holder: User, files: Files, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket(manager, files=[files.pdf()])
    attachment = ticket.attachments.get()
    response = logged_in(login, manager).get(f"/support/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="invoice.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    other = logged_in(login, other_holder)
    assert other.get(f"/support/attachments/{attachment.pk}/").status_code == 404
    assert other.get(f"/api/v1/tickets/attachments/{attachment.pk}").status_code == 404


def test_a_member_sees_only_their_own_tickets_and_another_customer_none(
    login: Login, manager: User, member: User, other_holder: User, open_ticket: OpenTicket
) -> None:
    managers = open_ticket(manager, message="Manager's question")
    mine = open_ticket(member, message="Member's question")
    member_client = logged_in(login, member)
    listing = member_client.get("/support/")
    assert b"#%d" % mine.pk in listing.content and b"#%d<" % managers.pk not in listing.content
    assert member_client.get(f"/support/{managers.pk}/").status_code == 404
    assert member_client.get(f"/api/v1/tickets/{managers.pk}").status_code == 404
    other = logged_in(login, other_holder)
    assert other.get(f"/support/{mine.pk}/").status_code == 404
    assert other.post(f"/support/{mine.pk}/reply/", {"body": "hi"}).status_code == 404
    assert other.get("/api/v1/tickets").json()["count"] == 0
    manager_client = logged_in(login, manager)
    assert manager_client.get("/api/v1/tickets").json()["count"] == 2


def test_notes_never_reach_the_customer_s_page_or_api(
    login: Login, manager: User, staff: User, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket(manager)
    actions.ticket_note(actor=make_actor(staff), ticket=ticket, body="SECRET note")
    actions.ticket_reply(actor=make_actor(staff), ticket=ticket, body="Public reply")
    client = logged_in(login, manager)
    page = client.get(f"/support/{ticket.pk}/")
    assert b"Public reply" in page.content and b"SECRET" not in page.content
    answer = client.get(f"/api/v1/tickets/{ticket.pk}").json()
    assert [e["body"] for e in answer["entries"]] == ["Public reply"]
    assert b"SECRET" in logged_in(login, staff).get(f"/support/staff/{ticket.pk}/").content


def test_the_customer_closes_and_reopens_on_the_page(
    login: Login, manager: User, staff: User, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket(manager)
    actions.ticket_set_status(actor=make_actor(staff), ticket=ticket, status=Ticket.Status.RESOLVED)
    client = logged_in(login, manager)
    assert b"Reopen" in client.get(f"/support/{ticket.pk}/").content
    client.post(f"/support/{ticket.pk}/status/", {"status": "in_progress"})
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.NEW
    Ticket.objects.filter(pk=ticket.pk).update(status="closed", resolved_at=timezone.now() - timedelta(days=20))
    assert b"Reopen" not in client.get(f"/support/{ticket.pk}/").content


# --- API ------------------------------------------------------------------------------------------


def test_the_api_opens_tickets_as_json_and_multipart_with_the_same_errors(
    login: Login, manager: User, lines: list[Line], other_line: Line, files: Files
) -> None:
    client = logged_in(login, manager)
    body = form(subject="sim_options", detail="reactivate", numbers=[lines[0].msisdn])
    created = client.post("/api/v1/tickets", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["numbers"] == [lines[0].msisdn]
    refused = client.post("/api/v1/tickets", body | {"numbers": [other_line.msisdn]}, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["field"] == "numbers"
    past = client.post("/api/v1/tickets", body | {"action_date": "2000-01-01"}, content_type="application/json")
    assert past.status_code == 422 and past.json()["field"] == "action_date"
    multipart = client.post("/api/v1/tickets/multipart", form() | {"attachments": [files.pdf(), files.csv()]})
    assert multipart.status_code == 201, multipart.content
    assert [a["name"] for a in multipart.json()["attachments"]] == ["invoice.pdf", "employees.csv"]
    fake = client.post("/api/v1/tickets/multipart", form() | {"attachments": [files.exe_as_pdf()]})
    assert fake.status_code == 422 and fake.json()["field"] == "attachments"
    assert Attachment.objects.count() == 2


def test_the_api_replies_and_changes_status_and_staff_work_the_queue(
    login: Login, manager: User, staff: User, open_ticket: OpenTicket
) -> None:
    ticket = open_ticket(manager)
    customer = logged_in(login, manager)
    agent = logged_in(login, staff)
    assert customer.get("/api/v1/staff/tickets").status_code == 403
    queue = agent.get("/api/v1/staff/tickets", {"assigned": "none"}).json()
    assert [t["id"] for t in queue["items"]] == [ticket.pk]
    # Found by fuzzing: a search of "²" or of a number past a bigint is simply no match, and an
    # assignee that is no id is ignored like any unknown value (no 500).
    for odd in ({"q": "²"}, {"q": "#" + "9" * 30}):
        assert agent.get("/api/v1/staff/tickets", odd).json()["items"] == [], odd
    assert agent.get("/api/v1/staff/tickets", {"assigned": "²"}).json() == agent.get("/api/v1/staff/tickets").json()
    assert [t["id"] for t in agent.get("/api/v1/staff/tickets", {"q": f"#{ticket.pk}"}).json()["items"]] == [ticket.pk]
    assigned = agent.post(
        f"/api/v1/staff/tickets/{ticket.pk}/assign", {"assigned_to": staff.pk}, content_type="application/json"
    )
    assert assigned.json()["assigned_to"] == staff.email
    assert agent.post(f"/api/v1/tickets/{ticket.pk}/replies", {"body": "On it"}).status_code == 201
    refused = customer.post(
        f"/api/v1/tickets/{ticket.pk}/status", {"status": "resolved"}, content_type="application/json"
    )
    assert refused.status_code == 422 and refused.json()["field"] == "status"
    closed = customer.post(f"/api/v1/tickets/{ticket.pk}/status", {"status": "closed"}, content_type="application/json")
    assert closed.json()["status"] == "closed"


# --- staff pages ----------------------------------------------------------------------------------


def test_staff_queue_filters_and_the_one_click_request_shows_its_outcome(
    login: Login, manager: User, member: User, staff: User, lines: list[Line], open_ticket: OpenTicket
) -> None:
    asks = open_ticket(manager, subject="sim_options", detail="stop_pause", numbers=[lines[1].msisdn])
    other = open_ticket(member, subject="billing")
    agent = logged_in(login, staff)
    customer = logged_in(login, manager)
    assert customer.get("/support/staff/").status_code == 403
    page = agent.get("/support/staff/", {"status": "new"})
    assert {t.pk for t in page.context["page"]} == {asks.pk, other.pk}
    assert {t.pk for t in agent.get("/support/staff/", {"age": "24"}).context["page"]} == set()
    detail = agent.get(f"/support/staff/{asks.pk}/")
    assert b"Pause (suspend)" in detail.content
    agent.post(f"/support/staff/{asks.pk}/apply/", {"operation": "suspend"})
    assert Line.objects.get(pk=lines[1].pk).status == Line.Status.SUSPENDED
    again = agent.post(f"/support/staff/{asks.pk}/apply/", {"operation": "suspend"}, follow=True)
    assert b"only an active line can be suspended" in again.content  # the fleet's refusal, on the ticket
    assert b"done for" in customer.get(f"/support/{asks.pk}/").content


def test_a_staff_api_key_reads_the_queue_and_a_customer_key_does_not(
    staff: User, holder: User, manager: User, open_ticket: OpenTicket, new_key: Callable[..., tuple[object, str]]
) -> None:
    ticket = open_ticket(manager)
    _key, plaintext = staff_api_key_create(actor=make_actor(staff), owner=staff, name="CRM")
    queue = Client(headers={"Authorization": f"Bearer {plaintext}"}).get("/api/v1/staff/tickets")
    assert queue.status_code == 200 and [t["id"] for t in queue.json()["items"]] == [ticket.pk]
    customer_key = new_key(holder, scopes=("read",))[1]
    reader = Client(headers={"Authorization": f"Bearer {customer_key}"})
    assert reader.get("/api/v1/staff/tickets").status_code == 401
    assert [t["id"] for t in reader.get("/api/v1/tickets").json()["items"]] == [ticket.pk]  # `read`: every ticket
    refused = reader.post("/api/v1/tickets", form(), content_type="application/json")
    assert refused.status_code == 403  # `read` reads: opening a ticket takes the `support` scope
    assert Ticket.objects.count() == 1


@pytest.mark.spec("F-70", "F-91")
def test_a_key_with_the_support_scope_opens_answers_and_reads_tickets_and_nothing_else(
    holder: User, new_key: Callable[..., tuple[object, str]]
) -> None:
    support = Client(headers={"Authorization": f"Bearer {new_key(holder, scopes=('support',))[1]}"})
    opened = support.post("/api/v1/tickets", form(), content_type="application/json")
    assert opened.status_code == 201
    ticket_id = opened.json()["id"]
    replied = support.post(f"/api/v1/tickets/{ticket_id}/replies", {"body": "Any news?"})
    assert replied.status_code == 201 and replied.json()["entries"][-1]["body"] == "Any news?"
    assert [t["id"] for t in support.get("/api/v1/tickets").json()["items"]] == [ticket_id]
    assert support.get("/api/v1/lines").status_code == 403  # the fleet is another scope
    fleet_only = Client(headers={"Authorization": f"Bearer {new_key(holder, scopes=('fleet',))[1]}"})
    assert fleet_only.get("/api/v1/tickets").status_code == 403
    assert fleet_only.post(f"/api/v1/tickets/{ticket_id}/replies", {"body": "x"}).status_code == 403
    assert Ticket.objects.get(pk=ticket_id).entries.count() == 1


def test_the_customer_s_list_filters_by_status_text_and_date_and_pages(
    login: Login, manager: User, staff: User, open_ticket: OpenTicket
) -> None:
    tickets = [open_ticket(manager, message=f"Question number {n}") for n in range(27)]
    actions.ticket_set_status(actor=make_actor(staff), ticket=tickets[0], status=Ticket.Status.RESOLVED)
    Ticket.objects.filter(pk=tickets[1].pk).update(created_at=timezone.now() - timedelta(days=40))
    client = logged_in(login, manager)

    def shown(**query: str | int) -> list[int]:
        return [t.pk for t in client.get("/support/", query).context["page"]]

    assert shown(status="resolved") == [tickets[0].pk]
    assert shown(q="number 13") == [tickets[13].pk]
    old = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert shown(until=old) == [tickets[1].pk]
    assert tickets[1].pk not in shown(since=old)
    first, second = shown(), shown(page=2)
    assert len(first) == 25 and len(second) == 2 and not set(first) & set(second)
    api = client.get("/api/v1/tickets", {"status": "new", "limit": "10", "offset": "20"}).json()
    assert api["count"] == 26 and len(api["items"]) == 6
