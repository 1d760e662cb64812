"""Who may read the audit trail: every manager of the customer, whatever their rights (the log
holds their own company's security events too), and the customer's API keys."""

from fleetportal.accounts.models import Function
from fleetportal.core import scope
from fleetportal.core.models import AuditEvent


def register() -> None:
    scope.register(AuditEvent, scope.Rule(customer="customer", rights=tuple(Function.values)))
