"""Who is told, in which language: the member of a line (F-43) and the customer's managers with
the fleet or billing right (F-42, rule notifications). Only logins that are validated and
active: an invitation not yet accepted, a disabled membership or a manager limited to other
functions (users, support) hears nothing."""

from __future__ import annotations

from dataclasses import dataclass

from fleetportal.accounts.models import Function, Membership, Role
from fleetportal.core.models import Customer
from fleetportal.fleet.models import Line

TOLD_FUNCTIONS = frozenset({Function.FLEET, Function.BILLING})


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str


def line_language(line: Line) -> str:
    """The member's language: the line's, else their login's, else the customer's."""
    user_language = line.user.language if line.user is not None else ""
    return line.language or user_language or line.customer.language


def managers_to_tell(customer: Customer) -> list[Recipient]:
    """The customer's holder and managers who hold the fleet or billing right (all rights when
    not limited), by e-mail address."""
    memberships = Membership.objects.filter(
        customer=customer,
        role__in=(Role.HOLDER, Role.MANAGER),
        status=Membership.Status.VALIDATED,
        user__is_active=True,
    ).select_related("user")
    return [
        Recipient(email=m.user.email, language=m.user.language or customer.language)
        for m in memberships.order_by("user__email")
        if not m.functions or TOLD_FUNCTIONS & set(m.functions)
    ]
