"""R-B4: activating a split-bill line invites its employee by e-mail (in their language, through
the outbox) to their own pages, once, however often the event is delivered; a line without a
split-bill profile invites no one; nobody signs up on their own."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from fleetportal.accounts.models import Membership, Role, User
from fleetportal.billing.models import SplitBillProfile
from fleetportal.core import delivery
from fleetportal.core.actor import Actor
from fleetportal.core.events import EVENTS_CHANNEL
from fleetportal.core.models import Customer, DomainEvent
from fleetportal.fleet.actions import line_activate
from fleetportal.fleet.models import Line
from fleetportal.fleet.tests.factories import LineFactory
from fleetportal.invoicing.consumers import line_activated
from fleetportal.notifications.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.spec("R-B4", "F-63")]


def _deliver_events() -> None:
    for pk in delivery.due_ids(EVENTS_CHANNEL):
        delivery.deliver(EVENTS_CHANNEL, pk)


def test_activating_a_split_bill_line_invites_its_employee_once(customer: Customer, manager_actor: Actor) -> None:
    profile = SplitBillProfile.objects.create(customer=customer, name="Staff")
    split = LineFactory.create(
        customer=customer,
        status=Line.Status.PENDING,
        split_bill_profile=profile,
        email="Ann.Peeters@acme.example",
        language="fr",
    )
    company = LineFactory.create(customer=customer, status=Line.Status.PENDING, email="bob@acme.example")
    line_activate(actor=manager_actor, lines=[split, company], on=timezone.localdate())
    _deliver_events()

    membership = Membership.objects.get(user__email="ann.peeters@acme.example", customer=customer)
    assert membership.role == Role.MEMBER and membership.status == Membership.Status.INVITED
    assert Line.objects.get(pk=split.pk).user == membership.user  # their own pages show this line
    assert Line.objects.get(pk=company.pk).user is None
    (mail,) = OutboxMessage.objects.filter(recipient="ann.peeters@acme.example")
    assert "/invite/" in mail.body and membership.user.language == "fr"  # the invitation's language
    assert not OutboxMessage.objects.filter(recipient="bob@acme.example").exists()

    line_activated(DomainEvent.objects.filter(name="line.activated"))  # the batch delivered again
    assert OutboxMessage.objects.filter(recipient="ann.peeters@acme.example").count() == 1
    assert membership.invitations.count() == 1


def test_a_split_bill_user_cannot_sign_up_on_their_own(client: Client) -> None:
    posted = {"email": "ann@acme.example", "password1": "A long pass phrase 42", "password2": "A long pass phrase 42"}
    client.post("/accounts/signup/", posted)
    assert not User.objects.filter(email="ann@acme.example").exists()
