"""Showing a SIM card's secret codes to the line's own user (F-74): the PIN and PUK, and for an
eSIM its activation code. They hide behind a click because whoever reads the PUK or the
activation code can take over the number; each showing is audited, naming who and which line,
and counted, so a stolen session cannot harvest codes unnoticed or without end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fleetportal.accounts.models import User
from fleetportal.core.actor import Actor
from fleetportal.core.audit import record
from fleetportal.core.errors import ActionError, PermissionDeniedError
from fleetportal.core.models import AuditEvent
from fleetportal.fleet.models import Line, SimCard

from .controls import is_own_line

CODES_REVEALED = "sim.codes_revealed"
# Generous for someone unblocking a phone or installing an eSIM twice; low enough to notice a loop.
REVEALS_PER_HOUR = 10


class TooManyReveals(ActionError):
    """Over REVEALS_PER_HOUR for the user: pages answer 429 with this message."""

    def __init__(self) -> None:
        super().__init__(
            _("You asked for your SIM codes %(count)d times in the last hour. Try again later.")
            % {"count": REVEALS_PER_HOUR},
            field="line",
            code="too_many",
        )


@dataclass(frozen=True)
class SimCodes:
    iccid: str
    pin: str
    puk: str
    esim: bool
    activation_code: str  # the LPA string of an eSIM, "" for a physical card


def reveals_left(actor: Actor) -> int:
    """How many more times this hour the user may have their codes shown."""
    if actor.user is None:
        return 0
    since = timezone.now() - timedelta(hours=1)
    shown = AuditEvent.objects.filter(action=CODES_REVEALED, actor=actor.user, created_at__gte=since).count()
    return max(REVEALS_PER_HOUR - shown, 0)


@transaction.atomic
def sim_codes_reveal(*, actor: Actor, line: Line) -> SimCodes:
    """The codes of the line's SIM card, for its own user only (their login, or a phone-number
    login of the number); a fleet manager reads the codes of the fleet on its pages. The user's row is locked while the
    earlier showings are counted, so parallel requests cannot all pass the limit."""
    if not is_own_line(actor, line) or actor.user is None:
        raise PermissionDeniedError(_("Only the user of this line can see its PIN and PUK."))
    User.objects.select_for_update().filter(pk=actor.user.pk).first()
    if reveals_left(actor) == 0:
        raise TooManyReveals
    sim = line.sim if line.sim_id is not None else None
    if sim is None or line.status == Line.Status.STOPPED:
        raise ActionError(_("This number has no SIM card."), field="line")
    esim = sim.kind == SimCard.Kind.ESIM
    record(
        actor=actor,
        action=CODES_REVEALED,
        customer=line.customer,
        obj=line,
        after={"iccid": sim.iccid, "codes": ["pin", "puk", "activation_code"] if esim else ["pin", "puk"]},
    )
    return SimCodes(
        iccid=sim.iccid, pin=sim.pin, puk=sim.puk, esim=esim, activation_code=sim.activation_code if esim else ""
    )
