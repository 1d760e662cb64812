"""Who may see the network's rows and act on them, registered with the kernel's `scope` (from
`NetworkConfig.ready`).

The provisioning requests and the simulator's rules are the back office's: only operator staff
read them here (a customer's managers see a line's requests through the line, in fleet). A
failed change of a line is sent again by staff or a manager with the fleet right (R4)."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope

from .models import ProvisioningRequest, SimulatorRule

FLEET = Function.FLEET  # retries a line's failed network change


def register() -> None:
    scope.register(ProvisioningRequest, scope.Rule(customer=None, rights=()))
    scope.register(SimulatorRule, scope.Rule(customer=None, rights=()))
