"""Who may see webhooks: the fleet managers (and keys with the fleet or read scope) of the
endpoint's customer. The events are the fleet's (lines, provisioning, usage, pools), so the
right that sees them in the portal is the one that may send them out of it."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import Endpoint, WebhookDelivery

FLEET = Function.FLEET
RIGHTS = (FLEET,)


def register() -> None:
    scope.register(Endpoint, scope.Rule(customer="customer", rights=RIGHTS))
    scope.register(WebhookDelivery, scope.Rule(customer="endpoint__customer", rights=RIGHTS))
