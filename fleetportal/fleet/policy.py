"""Who may see and change the fleet's rows (F-09, R-I5): registered with the kernel's `scope`.

Managers with the fleet right (and keys with the fleet or read scope) see their customer's
whole fleet; members their own lines; a phone-number login its own number's live line. CSV
imports are for those who change the fleet: its managers with the fleet right (and keys with the
fleet scope), read with action="change"; staff only as such a manager."""

from django.db.models import Q

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import BulkJob, ImportJob, Line, ScheduledChange, SimCard, Tag

FLEET = Function.FLEET
RIGHTS = (FLEET,)


def register() -> None:
    scope.register(
        Line,
        scope.Rule(
            customer="customer",
            rights=RIGHTS,
            own="user",
            number="msisdn",
            number_also=~Q(status=Line.Status.STOPPED),
        ),
    )
    # The customer's own stock and the operator's blank cards, for the Add SIM wizard.
    scope.register(SimCard, scope.Rule(customer="customer", rights=RIGHTS, shared=Q(customer=None)))
    scope.register(Tag, scope.Rule(customer="customer", rights=RIGHTS))
    scope.register(ScheduledChange, scope.Rule(customer="line__customer", rights=RIGHTS))
    scope.register(ImportJob, scope.Rule(customer="customer", rights=RIGHTS, staff=False))
    # Bulk changes and exports on a worker (F-32): read by those who see the fleet, like the export.
    scope.register(BulkJob, scope.Rule(customer="customer", rights=RIGHTS, staff=False))
