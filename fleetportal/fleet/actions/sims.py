"""SIM cards of lines: taking a blank card from stock (F-21) and the SIM swap (F-24)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError
from fleetportal.core.models import Customer
from fleetportal.fleet.esim import send_activation_email
from fleetportal.fleet.iccid import is_valid_iccid, normalize_iccid
from fleetportal.fleet.models import Line, SimCard
from fleetportal.network.actions import request_provisioning
from fleetportal.network.models import ProvisioningRequest

from .common import IN_NETWORK, LIVE, bump, lock_lines, require_fleet, require_status


def take_blank_sim(*, customer: Customer, iccid: str, field: str) -> SimCard:
    """The BLANK card with this ICCID from the customer's stock or the operator's, now IN_USE
    and the customer's. A conditional UPDATE: two wizards never get the same card."""
    iccid = normalize_iccid(iccid)
    if not is_valid_iccid(iccid):
        raise ActionError(
            _("Enter the 19 or 20 digits of the SIM card number; the last one is a check digit."), field=field
        )
    sim = SimCard.objects.filter(Q(customer=customer) | Q(customer=None), iccid=iccid).first()
    if sim is None:
        raise ActionError(_("This SIM card is not in your stock."), field=field)
    taken = SimCard.objects.filter(pk=sim.pk, status=SimCard.Status.BLANK).update(
        status=SimCard.Status.IN_USE, customer=customer
    )
    if not taken:
        raise ActionError(_("This SIM card is already in use."), field=field)
    sim.status, sim.customer = SimCard.Status.IN_USE, customer
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
    record(
        actor=actor,
        action="line.sim_swapped",
        customer=locked.customer,
        obj=locked,
        before={"iccid": old.iccid if old else "", "kind": old.kind if old else ""},
        after={"iccid": new.iccid, "kind": new.kind},
    )
    return locked
