"""Who may see payments: the billing managers (and keys with the billing or read scope) of the
invoice's customer, and the employee whose private invoice it pays (F-64). The providers' call
log and the test provider's own rows are the operator's: staff only."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import Payment, ProviderEvent

BILLING = Function.BILLING
RIGHTS = (BILLING,)


def register() -> None:
    scope.register(Payment, scope.Rule(customer="invoice__customer", rights=RIGHTS, own="invoice__member"))
    scope.register(ProviderEvent, scope.Rule(customer=None, rights=()))
