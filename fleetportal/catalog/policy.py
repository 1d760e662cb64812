"""Who may read a customer's contracts and their catalogue: fleet and billing managers (and keys
with the fleet or read scope); registered with the kernel's `scope`."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope
from fleetportal.core.models import Contract

FLEET = Function.FLEET
BILLING = Function.BILLING
RIGHTS = (FLEET, BILLING)


def register() -> None:
    scope.register(Contract, scope.Rule(customer="customer", rights=RIGHTS))
