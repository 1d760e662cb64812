"""Who sees rules and alerts: managers with the fleet right (keys with its scope, `read` to see)
see their customer's rules, firings and alerts; a member sees the bundle alerts of their own
lines; out-of-bundle notifications are also the billing managers' (they receive them)."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import BundleAlert, CostAlert, RuleFiring, UsageRule

FLEET = Function.FLEET
RIGHTS = (FLEET,)


def register() -> None:
    scope.register(UsageRule, scope.Rule(customer="customer", rights=RIGHTS))
    scope.register(RuleFiring, scope.Rule(customer="customer", rights=RIGHTS))
    scope.register(BundleAlert, scope.Rule(customer="customer", rights=RIGHTS, own="line__user"))
    scope.register(CostAlert, scope.Rule(customer="customer", rights=(FLEET, Function.BILLING)))
