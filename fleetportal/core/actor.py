"""Who is acting: the one object every selector and action takes, whatever the channel.

Pages build it from the session, the API from its key or session, jobs from their owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .models import Channel, Customer

if TYPE_CHECKING:
    from fleetportal.accounts.models import ApiKey, Membership, User


@dataclass(frozen=True)
class Actor:
    user: User | None
    channel: str = Channel.WEB
    membership: Membership | None = None
    api_key: ApiKey | None = None
    # E.164 number of a phone-number login: such a session reaches only that number (R-I5).
    number: str | None = None
    ip_address: str | None = None
    functions: frozenset[str] = field(default_factory=frozenset)
    # What a job of the portal acts as, for the audit trail (e.g. "Usage rule 7: Roaming cap").
    name: str = ""

    @property
    def customer(self) -> Customer | None:
        if self.membership is not None:
            return self.membership.customer
        if self.api_key is not None:
            return self.api_key.customer
        return None

    @property
    def tenant(self) -> Customer:
        """The actor's customer, for code that only customer actors reach (404 otherwise)."""
        customer = self.customer
        if customer is None:
            from django.http import Http404

            raise Http404
        return customer

    @property
    def is_staff(self) -> bool:
        return bool(self.user and self.user.is_staff and self.number is None)

    @property
    def staff_role(self) -> str:
        """An operator staff member's back-office role ("agent" or "admin", F-93); "" for
        anyone else."""
        return self.user.staff_role if self.is_staff and self.user is not None else ""

    @property
    def is_operator_admin(self) -> bool:
        """Staff who may change customers, the catalogue, prices, the number pool and the SIM
        stock (a support agent works tickets and reads)."""
        return self.staff_role == "admin"

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def is_manager(self) -> bool:
        """Holder or manager with a full login (not a phone-number login)."""
        return bool(self.membership and self.membership.is_manager and self.number is None)

    @property
    def is_holder(self) -> bool:
        return bool(self.membership and self.membership.role == "holder" and self.number is None)

    def can(self, function: str) -> bool:
        """May this actor use a manager function (fleet, billing, users, support)? (F-09)"""
        if self.api_key is not None:
            return function in self.api_key.scopes
        if not self.is_manager:
            return False
        return not self.functions or function in self.functions

    def number_login_allows(self, function: str) -> bool:
        """May this login use that function of its own line ("usage", "invoices", …)? A full
        login always; a phone-number login unless the contract holder left it out (F-08)."""
        if self.number is None:
            return True
        allowed = self.customer.number_login_functions if self.customer else []
        return not allowed or function in allowed

    @property
    def label(self) -> str:
        if self.api_key is not None:
            return f"API key {self.api_key.prefix}"
        if self.user is None:  # a job of the portal itself, or someone not logged in (yet)
            if self.name and self.channel in (Channel.SYSTEM, Channel.JOB):
                return self.name
            return "system" if self.channel in (Channel.SYSTEM, Channel.JOB) else "anonymous"
        return self.user.email


SYSTEM = Actor(user=None, channel=Channel.SYSTEM)
