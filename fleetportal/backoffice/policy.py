"""The back office's reads (F-93): customers, the number pool and staff API keys are the
operator's own rows, read by operator staff only (`customer=None`: anyone else sees nothing).
SIM cards and contracts keep their apps' rules, which give staff every row."""

from fleetportal.accounts.models import StaffApiKey
from fleetportal.core import scope
from fleetportal.core.models import Customer
from fleetportal.fleet.models import PoolNumber


def register() -> None:
    for model in (Customer, PoolNumber, StaffApiKey):
        scope.register(model, scope.Rule(customer=None, rights=()))
