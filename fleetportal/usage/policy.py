"""Who may see usage (F-56): managers with the fleet or billing right (and keys with those
scopes or `read`) see their customer's records; members their own line's; a phone-number login
its own number's; the counters alike. Ingest jobs are the fleet managers' (and staff's); an
operator-wide job (no customer) only staff see."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import IngestError, IngestJob, PoolCounter, UsageCounter, UsageRecord

FLEET = Function.FLEET
BILLING = Function.BILLING
RIGHTS = (FLEET, BILLING)
INGEST_RIGHTS = (FLEET,)


def register() -> None:
    # A line's counters are read like its records; a pool's by those who see the whole customer.
    of_a_line = scope.Rule(customer="customer", rights=RIGHTS, own="line__user", number="line__msisdn")
    scope.register(UsageRecord, of_a_line)
    scope.register(UsageCounter, of_a_line)
    scope.register(PoolCounter, scope.Rule(customer="customer", rights=RIGHTS))
    scope.register(IngestJob, scope.Rule(customer="customer", rights=INGEST_RIGHTS))
    scope.register(IngestError, scope.Rule(customer="job__customer", rights=INGEST_RIGHTS))
