"""Demo tickets (issue 9 "Demo"), made through the ticket actions so their conversation, audit
rows, events and e-mails are what the portal itself writes: Acme's tickets in every status,
with replies (staff's and the customer's) and attachments, an internal note, and one new
ticket that asks to pause two SIM cards, for staff to apply with one click.
Idempotent: a customer with tickets is left as it is."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from fleetportal.accounts.models import Membership, User
from fleetportal.core.actor import Actor
from fleetportal.core.models import Channel, Customer
from fleetportal.fleet.models import Line

from . import actions
from .models import Ticket

Status = Ticket.Status
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def _actor(user: User) -> Actor:
    membership = Membership.objects.filter(user=user).select_related("customer").first()
    channel = Channel.STAFF if user.is_staff else Channel.WEB
    functions = frozenset(membership.functions if membership else ())
    return Actor(user=user, channel=channel, membership=membership, functions=functions)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _PDF, content_type="application/pdf")


@transaction.atomic
def load_tickets(domain: str = "acme", staff_email: str = "staff@operator.example") -> int:
    """Acme's demo tickets; how many were made (0 when it has some already)."""
    customer = Customer.objects.get(login_domain=domain)
    if Ticket.objects.filter(customer=customer).exists():
        return 0
    manager = User.objects.get(
        memberships__customer=customer, memberships__role="manager", email__startswith="manager@"
    )
    member = User.objects.get(memberships__customer=customer, memberships__role="member", email__startswith="member@")
    staff = _actor(User.objects.get(email=staff_email))
    boss, mia = _actor(manager), _actor(member)
    two = list(
        Line.objects.filter(customer=customer, status=Line.Status.ACTIVE).exclude(user=member).order_by("msisdn")[:2]
    )

    def ticket(by: Actor, language: str, **data: object) -> Ticket:
        files = data.pop("files", [])
        with translation.override(language):
            base = {"contact_email": by.user.email if by.user else "", "message": ""}
            return actions.ticket_create(actor=by, data=actions.TicketInput(**(base | data)), files=files)  # type: ignore[arg-type]

    pause = ticket(
        boss,
        "nl",
        subject=Ticket.Subject.SIM_OPTIONS,
        detail=Ticket.Detail.STOP_PAUSE,
        numbers=[line.msisdn for line in two],
        action_date=timezone.localdate(),
        message="Twee toestellen zijn gestolen: graag deze SIM-kaarten pauzeren.",
        files=[_pdf("aangifte-politie.pdf")],
    )
    no_network = ticket(
        mia,
        "fr",
        subject=Ticket.Subject.TECHNICAL,
        message="Pas de réseau mobile au bureau d'Anvers depuis ce matin.",
        files=[SimpleUploadedFile("capture.png", _PNG, content_type="image/png")],
    )
    actions.ticket_assign(actor=staff, ticket=no_network, assignee=staff.user)
    actions.ticket_note(actor=staff, ticket=no_network, body="Cell site ANT-042 down; field team on its way.")
    actions.ticket_reply(actor=staff, ticket=no_network, body="We know of an outage in Antwerp; it is being fixed.")

    invoice = ticket(boss, "nl", subject=Ticket.Subject.BILLING, message="Waarom is de factuur van maart hoger?")
    actions.ticket_reply(
        actor=staff,
        ticket=invoice,
        body="Three lines used roaming in March: see the attached overview. Is this clear?",
        files=[_pdf("roaming-march.pdf")],
    )
    actions.ticket_set_status(actor=staff, ticket=invoice, status=Status.WAITING)

    for text, final in (
        ("Graag een kopie van ons contract.", Status.RESOLVED),
        ("Kunnen we een extra fleet manager krijgen?", Status.CLOSED),
    ):
        done = ticket(boss, "nl", subject=Ticket.Subject.OTHER, message=text)
        actions.ticket_reply(actor=staff, ticket=done, body="Done: see your contract page.")
        actions.ticket_set_status(actor=staff, ticket=done, status=final)
    actions.ticket_reply(actor=boss, ticket=pause, body="Graag zo snel mogelijk: de toestellen zijn nog niet terecht.")
    return 5
