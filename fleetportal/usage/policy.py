"""Who may see usage (F-56): managers with the fleet or billing right (and keys with those
scopes or `read`) see their customer's records; members their own line's; a phone-number login
its own number's. Ingest jobs are the fleet managers' (and staff's); an operator-wide job (no
customer) only staff see."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import IngestError, IngestJob, UsageRecord

FLEET = Function.FLEET
BILLING = Function.BILLING
RIGHTS = (FLEET, BILLING)
INGEST_RIGHTS = (FLEET,)


def register() -> None:
    scope.register(UsageRecord, scope.Rule(customer="customer", rights=RIGHTS, own="line__user", number="line__msisdn"))
    scope.register(IngestJob, scope.Rule(customer="customer", rights=INGEST_RIGHTS))
    scope.register(IngestError, scope.Rule(customer="job__customer", rights=INGEST_RIGHTS))
