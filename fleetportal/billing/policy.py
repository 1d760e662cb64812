"""Who may see the billing app's rows: registered with the kernel's `scope`. Billing accounts
and split-bill profiles are read by fleet managers (to charge a line to one) and by billing
managers."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import BillingAccount, DirectDebitMandate, SplitBillProfile

RIGHTS = (Function.FLEET, Function.BILLING)


def register() -> None:
    scope.register(BillingAccount, scope.Rule(customer="customer", rights=RIGHTS))
    scope.register(SplitBillProfile, scope.Rule(customer="customer", rights=RIGHTS))
    # A mandate holds a bank account: the billing managers' only.
    scope.register(DirectDebitMandate, scope.Rule(customer="account__customer", rights=(Function.BILLING,)))
