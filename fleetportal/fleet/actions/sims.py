"""SIM cards of lines: taking a blank card from stock (F-21), the SIM swap (F-24) and resending
an eSIM's activation e-mail (F-23)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.core.models import AuditEvent, Customer
from fleetportal.fleet.esim import send_activation_email
from fleetportal.fleet.iccid import is_valid_iccid, normalize_iccid
from fleetportal.fleet.models import Line, SimCard
from fleetportal.network.models import ProvisioningRequest
from fleetportal.notifications.models import OutboxMessage

from ..provisioning import request_provisioning
from .common import IN_NETWORK, LIVE, audit_line, bump, lock_lines, number_label, require_fleet, require_status
from .details import length_refusal, require_email

ESIM_RESENT = "line.esim_resent"
# Enough for a typo'd address or a lost mail; more is a loop or someone mailing PUKs around.
ESIM_RESENDS_PER_HOUR = 3


class EsimResendRefused(ActionError):
    """The line has no eSIM, or is stopped: there is no profile to install."""


class TooManyResends(ActionError):
    """Over ESIM_RESENDS_PER_HOUR for the line: pages and the API answer 429."""

    def __init__(self) -> None:
        super().__init__(
            _("The activation e-mail of this number was sent %(count)d times in the last hour. Try again later.")
            % {"count": ESIM_RESENDS_PER_HOUR},
            code="too_many",
        )


BAD_ICCID = _("Enter the 19 or 20 digits of the SIM card number; the last one is a check digit.")
NOT_IN_STOCK = _("This SIM card is not in your stock.")
SIM_IN_USE = _("This SIM card is already in use.")


def find_blank_sims(wanted: Sequence[tuple[int, str]], *, field: str) -> list[SimCard | ActionError]:
    """For each (customer id, ICCID) asked for, in order: the BLANK card with that number from
    the customer's stock or the operator's, locked until the transaction ends, or why not (not
    a card number, not in that stock, in use or asked for before). One query for any number of
    cards; `take_sims` then takes them."""
    iccids = [normalize_iccid(iccid) for _customer, iccid in wanted]
    cards = {
        sim.iccid: sim
        for sim in SimCard.objects.select_for_update(of=("self",)).filter(
            Q(customer_id__in={customer_id for customer_id, _iccid in wanted}) | Q(customer=None),
            iccid__in={iccid for iccid in iccids if is_valid_iccid(iccid)},
        )
    }
    found: list[SimCard | ActionError] = []
    asked: set[int] = set()
    for (customer_id, _raw), iccid in zip(wanted, iccids, strict=True):
        sim = cards.get(iccid)
        if not is_valid_iccid(iccid):
            found.append(ActionError(BAD_ICCID, field=field))
        elif sim is None or sim.customer_id not in (None, customer_id):
            found.append(ActionError(NOT_IN_STOCK, field=field))
        elif sim.status != SimCard.Status.BLANK or sim.pk in asked:
            found.append(ActionError(SIM_IN_USE, field=field))
        else:
            asked.add(sim.pk)
            found.append(sim)
    return found


def take_sims(sims: Sequence[tuple[SimCard, int]], *, field: str) -> None:
    """The (card, customer id) pairs `find_blank_sims` found: IN_USE and the customer's, one
    conditional UPDATE per customer, so that two wizards never get the same card."""
    by_customer: dict[int, list[SimCard]] = defaultdict(list)
    for sim, customer_id in sims:
        by_customer[customer_id].append(sim)
    for customer_id, cards in by_customer.items():
        taken = SimCard.objects.filter(pk__in=[sim.pk for sim in cards], status=SimCard.Status.BLANK).update(
            status=SimCard.Status.IN_USE, customer_id=customer_id
        )
        if taken != len(cards):
            raise ActionError(SIM_IN_USE, field=field, code="conflict")
        for sim in cards:
            sim.status, sim.customer_id = SimCard.Status.IN_USE, customer_id


def take_blank_sim(*, customer: Customer, iccid: str, field: str) -> SimCard:
    """The BLANK card with this ICCID from the customer's stock or the operator's, now IN_USE
    and the customer's (`find_blank_sims` and `take_sims` for one card)."""
    (sim,) = find_blank_sims([(customer.pk, iccid)], field=field)
    if isinstance(sim, ActionError):
        raise sim
    take_sims([(sim, customer.pk)], field=field)
    sim.customer = customer
    return sim


@transaction.atomic
def sim_swap(*, actor: Actor, line: Line, new_iccid: str, version: int | None = None) -> Line:
    """Give a line a new SIM card, physical or eSIM (F-24); the old card is RETIRED for good."""
    require_fleet(actor, line.customer_id)
    (locked,) = lock_lines([line], None if version is None else {line.pk: version}, related=("sim",))
    require_status([locked], LIVE, _("%(number)s is %(status)s: its SIM card cannot be replaced."))
    old = locked.sim
    new = take_blank_sim(customer=locked.customer, iccid=new_iccid, field="new_iccid")
    if old is not None:
        SimCard.objects.filter(pk=old.pk).update(status=SimCard.Status.RETIRED)
    bump([locked], sim=new)
    if locked.status in IN_NETWORK:
        request_provisioning(
            lines=[locked],
            operation=ProvisioningRequest.Operation.SWAP,
            payload={
                "msisdn": locked.msisdn,
                "old_iccid": old.iccid if old else "",
                "iccid": new.iccid,
                "imsi": new.imsi,
            },
        )
    if new.kind == SimCard.Kind.ESIM and locked.status != Line.Status.PENDING:
        send_activation_email(line=locked, sim=new, actor=actor)
    audit_line(
        actor,
        "line.sim_swapped",
        locked,
        before={"iccid": old.iccid if old else "", "kind": old.kind if old else ""},
        after={"iccid": new.iccid, "kind": new.kind},
    )
    return locked


def esim_resend_address(email: str) -> str:
    """The address an eSIM's activation e-mail is sent again to, trimmed and checked (a valid
    address, no longer than a line's); empty: the line's user's. The one rule of the action, the
    Manage SIM page's form and the API."""
    email = email.strip()
    too_long = length_refusal("email", email)
    if too_long is not None:
        raise too_long
    if email:
        require_email(email, field="email")
    return email


@transaction.atomic
def esim_resend_activation(*, actor: Actor, line: Line, email: str = "") -> OutboxMessage:
    """Send an eSIM's activation e-mail (LPA code, QR code, PIN and PUK) again (F-23), to
    `email` when given, else to the line's user as the first one went.

    The count of earlier resends is read under the line's row lock, so parallel requests
    cannot all pass the limit.
    """
    require_fleet(actor, line.customer_id)
    email = esim_resend_address(email)
    (locked,) = lock_lines([line], {}, related=("sim",))
    sim = locked.sim
    if sim is None or sim.kind != SimCard.Kind.ESIM:
        raise EsimResendRefused(
            _("%(number)s has a physical SIM card: its PIN and PUK are on the card, there is no e-mail to resend.")
            % {"number": number_label(locked)}
        )
    if locked.status == Line.Status.STOPPED:
        raise EsimResendRefused(
            _("%(number)s is stopped: its eSIM can no longer be installed.") % {"number": number_label(locked)}
        )
    sent = AuditEvent.objects.filter(
        action=ESIM_RESENT,
        object_type="line",
        object_id=str(locked.pk),
        created_at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    if sent >= ESIM_RESENDS_PER_HOUR:
        raise TooManyResends
    message = send_activation_email(line=locked, sim=sim, actor=actor, to=email)
    record(
        actor=actor,
        action=ESIM_RESENT,
        customer=locked.customer,
        obj=locked,
        after={"iccid": sim.iccid, "recipient": message.recipient},
    )
    return message
