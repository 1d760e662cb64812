"""Who sees and changes group bundles: managers with the fleet right (keys with its scope,
`read` to see); members see the pool of their own line."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import GroupBundle, GroupBundleMember

FLEET = Function.FLEET
RIGHTS = (FLEET, Function.BILLING)


def register() -> None:
    scope.register(GroupBundle, scope.Rule(customer="customer", rights=RIGHTS, own="members__line__user"))
    scope.register(GroupBundleMember, scope.Rule(customer="pool__customer", rights=RIGHTS, own="line__user"))
