"""Who sees blank SIM orders: operator staff, and the managers of the customer with the fleet
right (API keys with the `fleet` or `read` scope). A member sees none: ordering stock is the
fleet manager's."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import SimOrder

FLEET = Function.FLEET


def register() -> None:
    scope.register(SimOrder, scope.Rule(customer="customer", rights=(FLEET,)))
