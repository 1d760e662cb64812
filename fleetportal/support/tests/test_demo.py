"""The demo tickets (issue 9 "Demo"): every status, replies, attachments, a note, and a new
ticket asking to pause two SIM cards; loading twice changes nothing."""

from __future__ import annotations

import pytest

from fleetportal.accounts.models import User
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.support.actions_apply import operations_for
from fleetportal.support.demo import load_tickets
from fleetportal.support.models import Attachment, Entry, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.spec("F-70")]


def test_the_demo_has_tickets_in_every_status_and_one_asking_to_pause_two_sims(
    customer: Customer, manager: User, member: User, staff: User
) -> None:
    LineFactory.create_batch(3, customer=customer)
    assert load_tickets() == 5
    assert load_tickets() == 0
    tickets = Ticket.objects.filter(customer=customer)
    assert set(tickets.values_list("status", flat=True)) == {"new", "in_progress", "waiting", "resolved", "closed"}
    pause = tickets.get(detail=Ticket.Detail.STOP_PAUSE)
    assert pause.status == "new" and pause.lines.filter(status=Line.Status.ACTIVE).count() == 2
    assert "suspend" in operations_for(pause)
    assert Entry.objects.filter(ticket__customer=customer, kind=Entry.Kind.NOTE).count() == 1
    assert Attachment.objects.filter(ticket__customer=customer, entry__isnull=False).exists()  # on a reply
    assert Attachment.objects.filter(ticket__customer=customer, entry=None).count() == 2
