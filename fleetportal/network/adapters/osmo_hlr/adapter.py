"""The osmo-hlr adapter (F-94): `NETWORK_ADAPTER=osmo_hlr`, reached at OSMO_HLR_CTRL_HOST:
OSMO_HLR_CTRL_PORT over CTRL (`ctrl`).

What each line change does to the HLR's subscriber record:

- activate, port_in: create the subscriber with the IMSI of the line's SIM card (the card it
  has when the request is sent) and give it the line's number (MSISDN, without the "+"), then
  CS/PS as below. A subscriber the operator loaded
  beforehand (the SIM stock with its auth data, from the card vendor's file) is kept as it is,
  provided it holds no other number.
- suspend, reactivate, blocks: CS (voice and SMS) and PS (data) on or off, for the subscriber
  holding the line's number. Both are off while the line is suspended; otherwise CS is off when
  "all services" or every call and SMS service is blocked, PS when "all services" or "mobile
  data" is.
- swap: the HLR cannot change a subscriber's IMSI, so the new card's IMSI is created, the old
  subscriber deleted, and the number and CS/PS moved to the new one.
- stop: the subscriber holding the number is deleted, its SIM card being retired; a number
  handed over to the employee lives on in the operator's consumer systems, not through here.

What osmo-hlr cannot express is recorded as applied, without a word to the HLR: plans and
options, PayByMobile limits, and blocks of only part of a domain (outgoing calls only, SMS
only, international calls, MMS, every roaming block). Those are the charging and roaming
systems' business, which this HLR does not have. Neither does the portal's SIM stock hold Ki
or K/OPc: a subscriber created here has no auth data until the operator loads it (VTY
`subscriber imsi … update aud3g …`), which is why loading the stock first is the way to run.

The request is synchronous: the HLR has applied it when `send` returns, and the answer is
recorded at once. Every step sets a state rather than toggling one (create when missing,
delete when present, set CS/PS to what the line is now), so a request sent again after a crash
or a timeout, or an older one retried after a newer one, leaves the HLR as the portal's line
is: the request's idempotency key needs no help from the HLR, which has no notion of one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from fleetportal.network.adapters.base import NetworkRejected
from fleetportal.network.delivery import record_answer

from .ctrl import CtrlClient, CtrlRefused

if TYPE_CHECKING:
    from fleetportal.network.models import ProvisioningRequest

log = logging.getLogger(__name__)

# The fleet's Line.Status and Service values (the network app does not import the fleet).
SUSPENDED = "suspended"
ALL_SERVICES = "all"
CS_SERVICES = frozenset({"calls_in", "calls_out", "sms_in", "sms_out"})
PS_SERVICES = frozenset({"data"})

# osmo-hlr's ERROR reasons the adapter takes as "already so".
NO_SUCH_SUBSCRIBER = "No such subscriber."
ALREADY_EXISTS = "Subscriber already exists."
DOES_NOT_EXIST = "Subscriber doesn't exist."


@dataclass(frozen=True)
class Subscriber:
    imsi: str
    msisdn: str  # "" when the subscriber has no number


def hlr_msisdn(number: str) -> str:
    """The portal's E.164 number as osmo-hlr keeps it: digits only."""
    return number.removeprefix("+")


def services_wanted(status: str, blocks: set[str]) -> tuple[bool, bool]:
    """(CS on, PS on) for a line in `status` with these blocked services."""
    if status == SUSPENDED or ALL_SERVICES in blocks:
        return False, False
    return not CS_SERVICES.issubset(blocks), not PS_SERVICES.issubset(blocks)


class Hlr:
    """osmo-hlr's subscriber records, over one CTRL connection."""

    def __init__(self, ctrl: CtrlClient) -> None:
        self.ctrl = ctrl

    def find(self, selector: str) -> Subscriber | None:
        """The subscriber `by-imsi-…` or `by-msisdn-…`, or None."""
        try:
            info = self.ctrl.get(f"subscriber.{selector}.info")
        except CtrlRefused as refused:
            if refused.reason == NO_SUCH_SUBSCRIBER:
                return None
            raise
        fields = dict(line.split("\t", 1) for line in info.splitlines() if "\t" in line)
        return Subscriber(imsi=fields["imsi"], msisdn=fields.get("msisdn", ""))

    def create(self, imsi: str) -> None:
        try:
            self.ctrl.set("subscriber.create", imsi)
        except CtrlRefused as refused:
            if refused.reason != ALREADY_EXISTS:
                raise

    def delete(self, imsi: str) -> None:
        try:
            self.ctrl.set("subscriber.delete", imsi)
        except CtrlRefused as refused:
            if refused.reason != DOES_NOT_EXIST:
                raise

    def configure(self, imsi: str, *, msisdn: str, cs: bool, ps: bool) -> None:
        self.ctrl.set(f"subscriber.by-imsi-{imsi}.msisdn", msisdn)
        self.set_services(imsi, cs=cs, ps=ps)

    def set_services(self, imsi: str, *, cs: bool, ps: bool) -> None:
        self.ctrl.set(f"subscriber.by-imsi-{imsi}.cs-enabled", str(int(cs)))
        self.ctrl.set(f"subscriber.by-imsi-{imsi}.ps-enabled", str(int(ps)))


def _wanted(request: ProvisioningRequest) -> tuple[bool, bool]:
    line = request.line
    return services_wanted(line.status, set(line.blocks.values_list("service", flat=True)))


def _imsi(request: ProvisioningRequest) -> str:
    """The IMSI of the line's card now, not of the payload's: an activation retried after a
    swap provisions the card the line has."""
    sim = request.line.sim
    if sim is None:
        raise NetworkRejected(f"{request.line.msisdn} has no SIM card (IMSI) to provision")
    return sim.imsi


def _holder(hlr: Hlr, request: ProvisioningRequest) -> Subscriber:
    subscriber = hlr.find(f"by-msisdn-{hlr_msisdn(request.line.msisdn)}")
    if subscriber is None:
        raise NetworkRejected(f"osmo-hlr has no subscriber with the number {request.line.msisdn}")
    return subscriber


def activate(hlr: Hlr, request: ProvisioningRequest) -> None:
    imsi, msisdn = _imsi(request), hlr_msisdn(request.line.msisdn)
    hlr.create(imsi)
    existing = hlr.find(f"by-imsi-{imsi}")
    if existing is not None and existing.msisdn not in ("", msisdn):
        raise NetworkRejected(f"IMSI {imsi} already holds the number {existing.msisdn} in osmo-hlr")
    cs, ps = _wanted(request)
    hlr.configure(imsi, msisdn=msisdn, cs=cs, ps=ps)


def set_services(hlr: Hlr, request: ProvisioningRequest) -> None:
    cs, ps = _wanted(request)
    hlr.set_services(_holder(hlr, request).imsi, cs=cs, ps=ps)


def swap(hlr: Hlr, request: ProvisioningRequest) -> None:
    """Create the new IMSI, delete the one holding the number, then give the number to the new
    one: any step cut short is redone by sending the request again (the number is unique in
    the HLR, so it can move only once the old subscriber is gone)."""
    imsi, msisdn = _imsi(request), hlr_msisdn(request.line.msisdn)
    hlr.create(imsi)
    old = hlr.find(f"by-msisdn-{msisdn}")
    if old is not None and old.imsi != imsi:
        hlr.delete(old.imsi)
    cs, ps = _wanted(request)
    hlr.configure(imsi, msisdn=msisdn, cs=cs, ps=ps)


def stop(hlr: Hlr, request: ProvisioningRequest) -> None:
    subscriber = hlr.find(f"by-msisdn-{hlr_msisdn(request.line.msisdn)}")
    if subscriber is not None:
        hlr.delete(subscriber.imsi)


def not_expressible(hlr: Hlr, request: ProvisioningRequest) -> None:
    """Plans and options: nothing the HLR holds (recorded as applied)."""


OPERATIONS: dict[str, Callable[[Hlr, ProvisioningRequest], None]] = {
    "activate": activate,
    "port_in": activate,
    "suspend": set_services,
    "reactivate": set_services,
    "blocks": set_services,
    "swap": swap,
    "stop": stop,
    "plan": not_expressible,
}


class OsmoHlrAdapter:
    def __init__(self) -> None:
        self.host = settings.OSMO_HLR_CTRL_HOST
        self.port = settings.OSMO_HLR_CTRL_PORT
        self.timeout = settings.OSMO_HLR_TIMEOUT_SECONDS

    def send(self, request: ProvisioningRequest) -> Callable[[], None]:
        operation = OPERATIONS.get(request.operation)
        if operation is None:
            raise NetworkRejected(f"osmo-hlr adapter: unknown operation {request.operation!r}")
        with CtrlClient(self.host, self.port, self.timeout) as ctrl:
            operation(Hlr(ctrl), request)
        log.info("osmo-hlr applied %s for %s (%s)", request.operation, request.line.msisdn, request.idempotency_key)

        def answered() -> None:
            record_answer(request.pk, ok=True)

        return answered
